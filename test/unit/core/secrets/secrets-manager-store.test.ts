import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it } from 'vitest';
import { ROTATION_SECRET_KEYS, SecretsManagerRoleSecretStore } from '../../../../lambdas/core/secrets/secrets-manager-store.ts';
import type { RoleSecretScope } from '../../../../lambdas/core/secrets/types.ts';
import { FakeSecretsManager, mockSecretsManager, startSecretsManagerEndpoint } from '../../../support/fake-secrets-manager.ts';

const scope = (over: Partial<RoleSecretScope> = {}): RoleSecretScope => ({
  resourceKey: 'arn:aws:rds:us-east-1:111111111111:db:orders',
  dbArn: 'arn:aws:rds:us-east-1:111111111111:db:orders',
  engine: 'aurora-postgresql',
  host: 'orders.cluster-abc.us-east-1.rds.amazonaws.com',
  port: 5432,
  user: 'hoop_rw',
  tier: 'rw',
  connectionPrefix: 'orders',
  instanceId: 'orders-1',
  clusterId: 'orders',
  ...over,
});
const secret = (password: string, s = scope()) => ({ host: s.host, port: s.port, user: s.user, password, database: 'postgres' });
const client = () => new SecretsManagerClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });

let mock: ReturnType<typeof mockSecretsManager> | undefined;
afterEach(() => {
  mock?.restore();
  mock = undefined;
});

/** AWSPENDING is on no version, or on the AWSCURRENT one: what AWS's RotateSecret needs to start. */
function pendingIsClear(model: FakeSecretsManager, name: string): boolean {
  const pending = model.staged(name, 'AWSPENDING');
  return !pending || pending === model.staged(name, 'AWSCURRENT');
}

describe('SecretsManagerRoleSecretStore', () => {
  it("writes AWSPENDING first, promotes it to AWSCURRENT, and leaves the JSON AWS's rotation functions read", async () => {
    const model = new FakeSecretsManager();
    mock = mockSecretsManager(model);
    const store = new SecretsManagerRoleSecretStore(client(), { namePrefix: 'dbroles/', kmsKeyId: 'alias/dbroles' });
    await store.writePending(scope(), secret('pending-pw'));
    const name = 'dbroles/orders-rw';
    expect(model.staged(name, 'AWSCURRENT'), 'nothing is current before it logged in').toBeUndefined();
    expect(await store.readCurrent(scope())).toBeUndefined();
    expect((await store.readPending(scope()))?.password).toBe('pending-pw');

    const info = await store.promote(scope(), secret('pending-pw'));
    const stored = model.find(name);
    expect(info).toEqual({ secrets_manager_provider: 'aws-secrets-manager', secret_id: stored.arn, secret_keys: ROTATION_SECRET_KEYS });
    expect(stored.tags).toEqual([{ Key: 'dbroles:db-arn', Value: scope().dbArn }]);
    expect(stored.kmsKeyId).toBe('alias/dbroles');
    expect(JSON.parse(model.staged(name, 'AWSCURRENT')?.value ?? '')).toEqual({
      engine: 'postgres',
      host: scope().host,
      port: 5432,
      username: 'hoop_rw',
      password: 'pending-pw',
      dbname: 'postgres',
      dbClusterIdentifier: 'orders',
    });
    expect(pendingIsClear(model, name)).toBe(true);
    expect(await store.read(stored.arn)).toEqual(secret('pending-pw'));
  });

  it('maps RDS engine names to the four AWS accepts, and names the instance when there is no cluster', async () => {
    const model = new FakeSecretsManager();
    mock = mockSecretsManager(model);
    const store = new SecretsManagerRoleSecretStore(client(), { namePrefix: 'dbroles/' });
    const cases = [
      ['aurora-mysql', 'mysql'],
      ['mariadb', 'mariadb'],
      ['sqlserver-se', 'sqlserver'],
      ['postgres', 'postgres'],
    ] as const;
    for (const [engine, expected] of cases) {
      const s = scope({ engine, connectionPrefix: engine, clusterId: null, port: 3306 });
      await store.writePending(s, secret('pw-1234', s));
      await store.promote(s, secret('pw-1234', s));
      const value = JSON.parse(model.staged(`dbroles/${engine}-rw`, 'AWSCURRENT')?.value ?? '');
      expect(value).toMatchObject({ engine: expected, port: 3306, dbInstanceIdentifier: 'orders-1' });
      expect(value.dbClusterIdentifier).toBeUndefined();
    }
  });

  it('leaves AWSPENDING on no version after a discarded write, so AWS can rotate the secret next', async () => {
    const model = new FakeSecretsManager();
    mock = mockSecretsManager(model);
    const store = new SecretsManagerRoleSecretStore(client(), { namePrefix: 'dbroles/' });
    await store.writePending(scope(), secret('first-pw'));
    await store.promote(scope(), secret('first-pw'));
    await store.writePending(scope(), secret('refused-pw'));
    expect(() => model.rotate('dbroles/orders-rw', (v) => v), 'a stale AWSPENDING blocks AWS').toThrow(/previous rotation isn't complete/);
    await store.discardPending(scope());
    expect(pendingIsClear(model, 'dbroles/orders-rw')).toBe(true);
    expect((await store.readCurrent(scope()))?.password).toBe('first-pw');
    // AWS's rotation now starts, and what it sets is what dbroles reads next: AWSCURRENT is the truth.
    model.rotate('dbroles/orders-rw', (v) => ({ ...v, password: 'rotated-by-aws' }));
    expect((await store.readCurrent(scope()))?.password).toBe('rotated-by-aws');
  });

  it('never writes a secret that belongs to another database, and says which secret is in the way', async () => {
    const model = new FakeSecretsManager();
    mock = mockSecretsManager(model);
    model.handle('CreateSecret', { Name: 'dbroles/orders-rw', Tags: [{ Key: 'dbroles:db-arn', Value: 'arn:aws:rds:us-east-1:111111111111:db:other' }], SecretString: '{"password":"theirs"}' });
    const theirs = model.find('dbroles/orders-rw');
    const store = new SecretsManagerRoleSecretStore(client(), { namePrefix: 'dbroles/' });
    await expect(store.writePending(scope(), secret('mine'))).rejects.toThrow(
      `secret "${theirs.arn}" is in the way: it belongs to database "arn:aws:rds:us-east-1:111111111111:db:other"`,
    );
    model.handle('CreateSecret', { Name: 'dbroles/untagged-rw', SecretString: '{}' });
    await expect(store.readCurrent(scope({ connectionPrefix: 'untagged' }))).rejects.toThrow(/exists without the tag dbroles:db-arn/);
    expect(theirs.versions.map((v) => v.value)).toEqual(['{"password":"theirs"}']);
    expect(model.calls.filter((c) => c.command === 'PutSecretValue')).toEqual([]);
  });

  it('honours AWS_ENDPOINT_URL_SECRETS_MANAGER, sending the rotation JSON to that endpoint', async () => {
    const model = new FakeSecretsManager();
    const seen: Array<Record<string, unknown>> = [];
    const endpoint = await startSecretsManagerEndpoint(model, (command, input) => {
      if (command === 'PutSecretValue') seen.push(JSON.parse(String(input.SecretString)));
    });
    const saved = process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = endpoint.url;
    try {
      const store = new SecretsManagerRoleSecretStore(client(), { namePrefix: 'dbroles/' });
      await store.writePending(scope(), secret('over-http-pw'));
      const info = await store.promote(scope(), secret('over-http-pw'));
      expect(info.secret_id).toBe(model.find('dbroles/orders-rw').arn);
      expect(seen).toEqual([{ engine: 'postgres', host: scope().host, port: 5432, username: 'hoop_rw', password: 'over-http-pw', dbname: 'postgres', dbClusterIdentifier: 'orders' }]);
      expect(typeof seen[0]?.port).toBe('number');
      expect(pendingIsClear(model, 'dbroles/orders-rw')).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
      else process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = saved;
      await endpoint.stop();
    }
  });
});
