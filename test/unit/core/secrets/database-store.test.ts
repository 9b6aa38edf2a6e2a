import { randomBytes, randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalKeyCipher } from '../../../../lambdas/core/secrets/cipher.ts';
import { DatabaseRoleSecretStore, parseRoleCredentialId } from '../../../../lambdas/core/secrets/database-store.ts';
import type { RoleSecretScope } from '../../../../lambdas/core/secrets/types.ts';
import { DynamoCredentialStore } from '../../../../lambdas/core/store/credential-store.ts';
import { createDocumentClient } from '../../../../lambdas/core/store/dynamo.ts';
import { legacyMasterCredentialKey, masterCredentialKey, roleCredentialKey } from '../../../../lambdas/core/store/keys.ts';
import { ensureTable, LOCAL_AWS_CREDENTIALS, startDynalite, type EmbeddedDynamo } from '../../../../local/embedded-dynamodb.ts';

let dynamo: EmbeddedDynamo;
const TABLE = 'secrets';
const key = randomBytes(32);
const doc = () => createDocumentClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: LOCAL_AWS_CREDENTIALS });
const store = () => new DatabaseRoleSecretStore(doc(), TABLE, new LocalKeyCipher(key));

const scope = (): RoleSecretScope => ({
  resourceKey: `target:postgres://db-${randomUUID()}:5432`,
  dbArn: 'target:db',
  engine: 'postgres',
  host: 'db.example.com',
  port: 5432,
  user: 'hoop_ro',
  tier: 'ro',
  connectionPrefix: 'db',
  instanceId: null,
  clusterId: null,
});
const secret = (password: string) => ({ host: 'db.example.com', port: 5432, user: 'hoop_ro', password, database: 'app' });

beforeAll(async () => {
  dynamo = await startDynalite();
  await ensureTable(dynamo.endpoint, TABLE);
});
afterAll(() => dynamo.stop());

describe('DatabaseRoleSecretStore', () => {
  it('keeps current while a pending password waits, promotes only the pending one, and stores envelopes only', async () => {
    const s = scope();
    await store().writePending(s, secret('first-pw-123'));
    expect(await store().readCurrent(s)).toBeUndefined();
    await store().promote(s, secret('first-pw-123'));
    await store().writePending(s, secret('second-pw-456'));
    expect((await store().readCurrent(s))?.password, 'current is untouched by a pending write').toBe('first-pw-123');
    await expect(store().promote(s, secret('not-the-pending'))).rejects.toThrow(/not the one that logged in/);
    await store().discardPending(s);
    expect(await store().readPending(s)).toBeUndefined();
    expect((await store().readCurrent(s))?.password).toBe('first-pw-123');
    const raw = await doc().send(new GetCommand({ TableName: TABLE, Key: roleCredentialKey(s.resourceKey, s.user) }));
    expect(JSON.stringify(raw.Item)).not.toMatch(/first-pw-123|second-pw-456/);
    const info = await store().promote(s, secret('first-pw-123'));
    expect(info).toEqual({ secrets_manager_provider: 'database', secret_id: `${s.resourceKey}/hoop_ro`, secret_keys: [] });
    expect(await store().read(info.secret_id)).toEqual(secret('first-pw-123'));
  });

  it('refuses a write based on a stale read (version check), so two writers never overwrite each other', async () => {
    const s = scope();
    await store().writePending(s, secret('a-pw-1234'));
    const real = doc();
    let raced = false;
    // Another writer slips in between this store's read and its conditional write.
    const racing = {
      send: async (command: unknown) => {
        const out = await real.send(command as never);
        if (command instanceof GetCommand && !raced) {
          raced = true;
          await store().writePending(s, secret('b-pw-5678'));
        }
        return out;
      },
    } as unknown as ReturnType<typeof doc>;
    const loser = new DatabaseRoleSecretStore(racing, TABLE, new LocalKeyCipher(key));
    await expect(loser.promote(s, secret('a-pw-1234'))).rejects.toThrow(/changed meanwhile; retry the step/);
    expect(await store().readCurrent(s), 'the stale promote wrote nothing').toBeUndefined();
    expect((await store().readPending(s))?.password).toBe('b-pw-5678');
  });

  it('reads items written before current/pending existed, and rewrites them on the next write without losing current', async () => {
    const s = scope();
    const cipher = new LocalKeyCipher(key);
    const envelope = await cipher.encrypt('legacy-pw-123', { purpose: 'dbroles-role', db_arn: s.resourceKey, user: s.user });
    await doc().send(new PutCommand({ TableName: TABLE, Item: { ...roleCredentialKey(s.resourceKey, s.user), user: s.user, tier: 'ro', password: envelope, state: 'current' } }));
    expect(await store().readCurrent(s)).toMatchObject({ password: 'legacy-pw-123', host: 'db.example.com', user: 'hoop_ro' });
    await store().writePending(s, secret('next-pw-456'));
    expect((await store().readCurrent(s))?.password).toBe('legacy-pw-123');
    const raw = await doc().send(new GetCommand({ TableName: TABLE, Key: roleCredentialKey(s.resourceKey, s.user) }));
    expect(raw.Item?.state).toBeUndefined();
    expect(raw.Item?.current).toBeDefined();
  });

  it('parses credential ids whose database key holds "/"', () => {
    expect(parseRoleCredentialId('target:postgres://h:5432/hoop_rw')).toEqual({ resourceKey: 'target:postgres://h:5432', user: 'hoop_rw' });
    expect(() => parseRoleCredentialId('nouser')).toThrow(/not a dbroles credential id/);
  });
});

describe('DynamoCredentialStore masters', () => {
  it('keeps two master users of one server apart', async () => {
    const masters = new DynamoCredentialStore(doc(), TABLE, new LocalKeyCipher(key));
    const server = `target:postgres://${randomUUID()}:5432`;
    await masters.putCurrentMaster(server, 'alice', 'alice-pw-123');
    await masters.putCurrentMaster(server, 'bob', 'bob-pw-456');
    expect((await masters.getMaster(server, 'alice'))?.current).toBe('alice-pw-123');
    expect((await masters.getMaster(server, 'bob'))?.current).toBe('bob-pw-456');
    expect(await masters.hasMaster(server)).toBe(true);
    expect(await masters.hasMaster(`${server}-none`)).toBe(false);
  });

  it('reads a master stored under the pre-upgrade key and moves it on the next write, so no reset is needed', async () => {
    const cipher = new LocalKeyCipher(key);
    const masters = new DynamoCredentialStore(doc(), TABLE, cipher);
    const server = `arn:aws:rds:us-east-1:111111111111:db:${randomUUID().slice(0, 8)}`;
    const current = await cipher.encrypt('old-master-pw', { purpose: 'dbroles-master', db_arn: server });
    await doc().send(new PutCommand({ TableName: TABLE, Item: { ...legacyMasterCredentialKey(server), user: 'admin', current, version: 3 } }));
    expect(await masters.getMaster(server, 'admin')).toEqual({ user: 'admin', version: 3, current: 'old-master-pw', pending: undefined });
    expect(await masters.getMaster(server, 'someone-else')).toBeUndefined();
    expect(await masters.hasMaster(server)).toBe(true);
    const version = await masters.writePendingMaster(server, 'admin', 'new-master-pw', 3);
    expect(version).toBe(4);
    expect(await masters.getMaster(server, 'admin')).toMatchObject({ current: 'old-master-pw', pending: 'new-master-pw' });
    expect((await doc().send(new GetCommand({ TableName: TABLE, Key: legacyMasterCredentialKey(server) }))).Item).toBeUndefined();
    expect((await doc().send(new GetCommand({ TableName: TABLE, Key: masterCredentialKey(server, 'admin') }))).Item?.version).toBe(4);
  });
});

describe('SecretStores.check', () => {
  it('refuses a store that is not configured here, naming the field', async () => {
    const { SecretStores } = await import('../../../../lambdas/core/secrets/secret-stores.ts');
    const none = new SecretStores({ database: store() });
    expect(() => none.check({ aws_secrets_manager: {} })).toThrow(/^aws_secrets_manager: AWS Secrets Manager is not configured here/);
    expect(() => none.check({ vault_provider: { secret_id: 'kv/data/' } })).toThrow(/^vault_provider: Vault is not configured here/);
    expect(() => none.check({})).not.toThrow();
  });
});
