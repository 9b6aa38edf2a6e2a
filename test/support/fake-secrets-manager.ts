import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';

interface Version {
  readonly id: string;
  readonly value: string;
  stages: string[];
}
export interface FakeSecret {
  readonly arn: string;
  readonly name: string;
  readonly tags: Array<{ Key: string; Value: string }>;
  readonly kmsKeyId?: string;
  readonly versions: Version[];
}

const fail = (name: string, message: string) => Object.assign(new Error(message), { name, __type: name });

/**
 * The parts of AWS Secrets Manager dbroles uses, with its staging-label rules: a label is on one
 * version at most; moving AWSCURRENT leaves AWSPREVIOUS on the old version; a label can only be
 * moved away from the version named in RemoveFromVersionId. `rotate()` does what AWS's rotation
 * functions do, including their refusal while AWSPENDING is on a version that is not AWSCURRENT.
 */
export class FakeSecretsManager {
  readonly secrets = new Map<string, FakeSecret>();
  readonly calls: Array<{ command: string; input: Record<string, unknown> }> = [];

  find(id: string): FakeSecret {
    const secret = this.secrets.get(id) ?? [...this.secrets.values()].find((s) => s.arn === id);
    if (!secret) throw fail('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  }

  /** The version a label is on, if any. */
  staged(id: string, stage: string): Version | undefined {
    return this.find(id).versions.find((v) => v.stages.includes(stage));
  }

  handle(command: string, input: Record<string, any>): Record<string, unknown> {
    this.calls.push({ command, input });
    switch (command) {
      case 'DescribeSecret': {
        const s = this.find(input.SecretId);
        return { ARN: s.arn, Name: s.name, Tags: s.tags, KmsKeyId: s.kmsKeyId, VersionIdsToStages: Object.fromEntries(s.versions.map((v) => [v.id, [...v.stages]])) };
      }
      case 'CreateSecret': {
        if (this.secrets.has(input.Name)) throw fail('ResourceExistsException', `The operation failed because the secret ${input.Name} already exists.`);
        const secret: FakeSecret = {
          arn: `arn:aws:secretsmanager:us-east-1:111111111111:secret:${input.Name}-${randomBytes(3).toString('hex')}`,
          name: input.Name,
          tags: input.Tags ?? [],
          kmsKeyId: input.KmsKeyId,
          versions: input.SecretString ? [{ id: randomUUID(), value: input.SecretString, stages: ['AWSCURRENT'] }] : [],
        };
        this.secrets.set(secret.name, secret);
        return { ARN: secret.arn, Name: secret.name };
      }
      case 'PutSecretValue': {
        const s = this.find(input.SecretId);
        const stages: string[] = input.VersionStages ?? ['AWSCURRENT'];
        const version: Version = { id: input.ClientRequestToken ?? randomUUID(), value: input.SecretString, stages: [] };
        for (const stage of stages) this.attach(s, version, stage);
        s.versions.push(version);
        return { ARN: s.arn, VersionId: version.id, VersionStages: stages };
      }
      case 'GetSecretValue': {
        const s = this.find(input.SecretId);
        const version = input.VersionId ? s.versions.find((v) => v.id === input.VersionId) : s.versions.find((v) => v.stages.includes(input.VersionStage ?? 'AWSCURRENT'));
        if (!version) throw fail('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for staging label: ${input.VersionStage ?? 'AWSCURRENT'}`);
        return { ARN: s.arn, Name: s.name, VersionId: version.id, SecretString: version.value, VersionStages: [...version.stages] };
      }
      case 'UpdateSecretVersionStage': {
        const s = this.find(input.SecretId);
        const on = s.versions.find((v) => v.stages.includes(input.VersionStage));
        if (input.MoveToVersionId) {
          const target = s.versions.find((v) => v.id === input.MoveToVersionId);
          if (!target) throw fail('ResourceNotFoundException', 'no such version');
          if (on && on !== target && input.RemoveFromVersionId !== on.id) {
            throw fail('InvalidParameterException', `The staging label ${input.VersionStage} is currently attached to version ${on.id}, so you must explicitly reference that version in RemoveFromVersionId.`);
          }
          this.attach(s, target, input.VersionStage);
        } else if (input.RemoveFromVersionId) {
          const from = s.versions.find((v) => v.id === input.RemoveFromVersionId);
          if (from) from.stages = from.stages.filter((x) => x !== input.VersionStage);
        }
        return { ARN: s.arn, Name: s.name };
      }
      default:
        throw fail('InvalidRequestException', `${command} is not supported by the fake`);
    }
  }

  private attach(s: FakeSecret, version: Version, stage: string): void {
    for (const v of s.versions) {
      if (v !== version && v.stages.includes(stage)) {
        v.stages = v.stages.filter((x) => x !== stage);
        if (stage === 'AWSCURRENT') {
          for (const p of s.versions) p.stages = p.stages.filter((x) => x !== 'AWSPREVIOUS');
          v.stages.push('AWSPREVIOUS');
        }
      }
    }
    if (!version.stages.includes(stage)) version.stages.push(stage);
  }

  /**
   * AWS's rotation (createSecret → setSecret → finishSecret) with `change` applied to the current
   * JSON. Like AWS, it refuses to start while AWSPENDING is on a version other than AWSCURRENT.
   */
  rotate(id: string, change: (value: Record<string, unknown>) => Record<string, unknown>): Record<string, unknown> {
    const s = this.find(id);
    const current = this.staged(id, 'AWSCURRENT');
    const pending = this.staged(id, 'AWSPENDING');
    if (pending && pending !== current) throw fail('InvalidRequestException', 'A previous rotation isn\'t complete. That rotation will be reattempted.');
    const next = change(JSON.parse(current?.value ?? '{}') as Record<string, unknown>);
    const version: Version = { id: randomUUID(), value: JSON.stringify(next), stages: [] };
    s.versions.push(version);
    this.attach(s, version, 'AWSPENDING');
    this.attach(s, version, 'AWSCURRENT');
    version.stages = version.stages.filter((x) => x !== 'AWSPENDING');
    return next;
  }
}

const COMMANDS = { CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, UpdateSecretVersionStageCommand };

/** Routes a SecretsManagerClient to the model with aws-sdk-client-mock. DeleteSecret is refused, so a test fails loudly if it is ever sent. */
export function mockSecretsManager(model: FakeSecretsManager) {
  const mock = mockClient(SecretsManagerClient);
  for (const [name, command] of Object.entries(COMMANDS)) {
    mock.on(command as never).callsFake(async (input: Record<string, unknown>) => model.handle(name.replace(/Command$/, ''), input));
  }
  mock.on(DeleteSecretCommand).rejects(new Error('dbroles must never delete a secret'));
  return mock;
}

/**
 * The same model behind Secrets Manager's JSON 1.1 protocol on 127.0.0.1, for a client configured
 * only by AWS_ENDPOINT_URL_SECRETS_MANAGER. `check` sees each request's target and body first.
 */
export async function startSecretsManagerEndpoint(model: FakeSecretsManager, check?: (command: string, input: Record<string, unknown>) => void) {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const command = String(req.headers['x-amz-target'] ?? '').replace(/^secretsmanager\./, '');
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      try {
        check?.(command, input);
        const out = model.handle(command, input);
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(out));
      } catch (error) {
        const e = error as { name: string; message: string };
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: e.name, message: e.message }));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
