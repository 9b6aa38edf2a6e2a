import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { routeRequest, type ApiDeps } from '../../lambdas/api/router.ts';
import { ConfiguredAwsAccess, NO_AWS_CREDENTIALS } from '../../lambdas/core/aws/configured-access.ts';
import { LocalKeyCipher } from '../../lambdas/core/secrets/cipher.ts';
import { DynamoAwsSettingsStore } from '../../lambdas/core/store/aws-settings-store.ts';
import { createDocumentClient } from '../../lambdas/core/store/dynamo.ts';
import { toApiEvent } from '../../local/http-adapter.ts';
import { ensureTable, LOCAL_AWS_CREDENTIALS, startDynalite, type EmbeddedDynamo } from '../../local/embedded-dynamodb.ts';
import { accountId, fakeOrganization, MANAGEMENT_ACCOUNT } from '../support/fake-organization.ts';
import { workflowDepsFor } from '../support/workflow-deps.ts';
import { ALL_AWS_CLIENTS } from '../../lambdas/core/aws/clients/all.ts';

let dynamo: EmbeddedDynamo;
let restore: () => void = () => undefined;
const key = randomBytes(32);
afterEach(() => restore());
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.stop());

async function apiDeps(instanceRoleAllowed: boolean, table = `t${randomBytes(4).toString('hex')}`): Promise<ApiDeps & { table: string }> {
  await ensureTable(dynamo.endpoint, table);
  const doc = createDocumentClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: LOCAL_AWS_CREDENTIALS });
  const awsSettings = new DynamoAwsSettingsStore(doc, table, new LocalKeyCipher(key));
  const w = await workflowDepsFor(dynamo.endpoint);
  return {
    ...w,
    table,
    aws: new ConfiguredAwsAccess(awsSettings, { clients: ALL_AWS_CLIENTS, instanceRoleAllowed }),
    awsSettings,
    defaultRegion: 'us-east-1',
    orgId: 'org',
    starter: { start: async () => 'arn' },
  };
}

async function call(deps: ApiDeps, method: string, path: string, body?: unknown) {
  const event = toApiEvent({ url: path, method, headers: { host: 'local' }, socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage, body === undefined ? '' : JSON.stringify(body));
  const r = await routeRequest(event, deps);
  return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : undefined };
}

describe('GET /api/integrations/aws/organizations', () => {
  it('lists the accounts of the Organization', async () => {
    const org = fakeOrganization({ accounts: 25, regions: ['us-east-1'], latencyMs: 0 });
    restore = org.restore;
    const r = await call(await apiDeps(true), 'GET', '/api/integrations/aws/organizations');
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(25);
    expect(r.body.items[3]).toEqual({ account_id: accountId(3), name: 'team-3', status: 'ACTIVE', joined_methods: 'INVITED', email: 'team-3@example.com', self: false });
  });

  it('answers a clear 400 without keys when the runtime role is not allowed', async () => {
    const r = await call(await apiDeps(false), 'GET', '/api/integrations/aws/organizations');
    expect(r).toEqual({ status: 400, body: { message: NO_AWS_CREDENTIALS } });
  });
});

describe('POST /api/integrations/aws/rds/describe-db-instances', () => {
  it('scans every account of the Organization in the default region when the body names none', async () => {
    const org = fakeOrganization({ accounts: 4, regions: ['us-east-1', 'eu-west-1'], latencyMs: 0, brokenAccounts: [accountId(2)] });
    restore = org.restore;
    const r = await call(await apiDeps(true), 'POST', '/api/integrations/aws/rds/describe-db-instances', {});
    expect(r.status).toBe(200);
    const accounts = new Set(r.body.items.map((i: { account_id: string }) => i.account_id));
    expect(accounts).toEqual(new Set(org.accountIds));
    expect(new Set(r.body.items.map((i: { region: string }) => i.region))).toEqual(new Set(['us-east-1']));
    const broken = r.body.items.filter((i: { account_id: string }) => i.account_id === accountId(2));
    expect(broken).toEqual([expect.objectContaining({ error: expect.stringMatching(/assume role/), arn: '' })]);
    expect(r.body.items.find((i: { name: string }) => i.name === 'pg')).toMatchObject({ role: 'writer', supported: true, account_name: expect.stringMatching(/^team-/) });
  });

  it('scans the named accounts in every enabled region for "all"', async () => {
    const org = fakeOrganization({ accounts: 3, regions: ['us-east-1', 'eu-west-1', 'sa-east-1'], latencyMs: 0 });
    restore = org.restore;
    const r = await call(await apiDeps(true), 'POST', '/api/integrations/aws/rds/describe-db-instances', { account_ids: [accountId(1)], regions: 'all' });
    expect(new Set(r.body.items.map((i: { region: string }) => i.region))).toEqual(new Set(['us-east-1', 'eu-west-1', 'sa-east-1']));
    expect(new Set(r.body.items.map((i: { account_id: string }) => i.account_id))).toEqual(new Set([accountId(1)]));
  });

  it.each([
    [{ account_ids: ['123'] }, /^account_ids\.0: must be a 12-digit AWS account id/],
    [{ regions: ['moon-1'] }, /^regions/],
    [{ surprise: 1 }, /surprise/],
  ])('refuses %o with 400', async (body, message) => {
    const r = await call(await apiDeps(true), 'POST', '/api/integrations/aws/rds/describe-db-instances', body);
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(message);
  });
});

describe('access keys and userinfo', () => {
  it('refuses a key id without its secret with 422', async () => {
    const r = await call(await apiDeps(false), 'PUT', '/api/integrations/aws/iam/accesskeys', { region: 'us-west-2', access_key_id: 'AKIAABCDEFGHIJKLMNOP' });
    expect(r).toEqual({ status: 422, body: { message: "the attribute 'secret_access_key' is required when 'access_key_id' is set" } });
  });

  it('validates keys with STS, keeps them encrypted across restarts, and forgets them on DELETE', async () => {
    const sts = mockClient(STSClient);
    restore = () => sts.restore();
    sts.on(GetCallerIdentityCommand).callsFake(async (_input, getClient) => {
      const creds = await (getClient() as unknown as { config: { credentials: () => Promise<{ accessKeyId: string }> } }).config.credentials();
      if (creds.accessKeyId !== 'AKIAABCDEFGHIJKLMNOP') throw Object.assign(new Error('invalid'), { name: 'InvalidClientTokenId' });
      return { Account: MANAGEMENT_ACCOUNT, Arn: `arn:aws:iam::${MANAGEMENT_ACCOUNT}:user/dbroles`, UserId: 'AIDAEXAMPLE' };
    });
    const deps = await apiDeps(false);
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    expect(await call(deps, 'PUT', '/api/integrations/aws/iam/accesskeys', { region: 'us-west-2', access_key_id: 'AKIAWRONGWRONGWRONG1', secret_access_key: secret })).toEqual({
      status: 400,
      body: { message: 'the access keys do not work: STS GetCallerIdentity answered InvalidClientTokenId' },
    });
    expect((await call(deps, 'PUT', '/api/integrations/aws/iam/accesskeys', { region: 'us-west-2', access_key_id: 'AKIAABCDEFGHIJKLMNOP', secret_access_key: secret })).status).toBe(204);
    const raw = await createDocumentClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: LOCAL_AWS_CREDENTIALS }).send(new ScanCommand({ TableName: deps.table }));
    expect(JSON.stringify(raw.Items)).not.toContain(secret);
    // A new process (restart) reads the same table.
    const restarted = await apiDeps(false, deps.table);
    expect(await call(restarted, 'GET', '/api/integrations/aws/iam/userinfo')).toEqual({
      status: 200,
      body: {
        account_id: MANAGEMENT_ACCOUNT,
        arn: `arn:aws:iam::${MANAGEMENT_ACCOUNT}:user/dbroles`,
        arn_id: 'AIDAEXAMPLE',
        region: 'us-west-2',
        instance_role_allowed: false,
        credentials: 'access-keys',
      },
    });
    expect((await call(restarted, 'DELETE', '/api/integrations/aws/iam/accesskeys')).status).toBe(204);
    expect(await call(restarted, 'GET', '/api/integrations/aws/iam/userinfo')).toEqual({ status: 400, body: { message: NO_AWS_CREDENTIALS, instance_role_allowed: false } });
  });

  it('says when the runtime role is allowed and in use, and keeps saying it when that role does not work', async () => {
    const sts = mockClient(STSClient);
    restore = () => sts.restore();
    let roleWorks = true;
    sts.on(GetCallerIdentityCommand).callsFake(async () => {
      if (!roleWorks) throw Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
      return { Account: MANAGEMENT_ACCOUNT, Arn: `arn:aws:sts::${MANAGEMENT_ACCOUNT}:assumed-role/dbroles/i-1`, UserId: 'AROAEXAMPLE:i-1' };
    });
    const deps = await apiDeps(true);
    expect(await call(deps, 'GET', '/api/integrations/aws/iam/userinfo')).toMatchObject({ status: 200, body: { instance_role_allowed: true, credentials: 'instance-role', region: 'us-east-1' } });
    roleWorks = false;
    deps.aws.reset?.();
    expect(await call(deps, 'GET', '/api/integrations/aws/iam/userinfo')).toEqual({
      status: 502,
      body: { message: "AWS refused dbroles' credentials: STS GetCallerIdentity answered CredentialsProviderError", instance_role_allowed: true },
    });
  });
});
