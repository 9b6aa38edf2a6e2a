import { randomBytes, randomUUID } from 'node:crypto';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DefaultAwsAccess } from '../../lambdas/core/aws/access.ts';
import { PROVISIONERS } from '../../lambdas/core/engines/index.ts';
import type { RoleProvisioner } from '../../lambdas/core/engines/types.ts';
import { SecretStoreError } from '../../lambdas/core/errors.ts';
import { JobRequestSchema, newJob, type JobRequest } from '../../lambdas/core/job.ts';
import { generatePassword } from '../../lambdas/core/password.ts';
import { LocalKeyCipher } from '../../lambdas/core/secrets/cipher.ts';
import { DatabaseRoleSecretStore } from '../../lambdas/core/secrets/database-store.ts';
import { secretStoreChoice, SecretStores, type SecretStoresConfig } from '../../lambdas/core/secrets/secret-stores.ts';
import type { RoleSecretStore, SecretStoreChoice } from '../../lambdas/core/secrets/types.ts';
import { VaultClient } from '../../lambdas/core/secrets/vault-client.ts';
import type { WorkflowDeps } from '../../lambdas/core/steps/deps.ts';
import { ensureMasterCredentials } from '../../lambdas/core/steps/master-credentials.ts';
import { provisionRole, roleSecretScope } from '../../lambdas/core/steps/provision-role.ts';
import { DynamoConnectionStore } from '../../lambdas/core/store/connection-store.ts';
import { DynamoCredentialStore } from '../../lambdas/core/store/credential-store.ts';
import { createDocumentClient } from '../../lambdas/core/store/dynamo.ts';
import { DynamoJobStore } from '../../lambdas/core/store/job-store.ts';
import { DynamoLockStore } from '../../lambdas/core/store/lock-store.ts';
import { directResourceKey, type DbTarget } from '../../lambdas/core/target.ts';
import { ensureTable, LOCAL_AWS_CREDENTIALS, startDynalite, type EmbeddedDynamo } from '../../local/embedded-dynamodb.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../local/embedded-postgres.ts';
import { FakeSecretsManager, mockSecretsManager } from '../support/fake-secrets-manager.ts';
import { startFakeVault, type FakeVault } from '../support/fake-vault.ts';
import { pgRun, pgTry } from '../support/pg.ts';
import { ALL_AWS_CLIENTS } from '../../lambdas/core/aws/clients/all.ts';

// The embedded PostgreSQL checks passwords (SCRAM): "logs in" and "is refused" here mean what they say.
const MASTER = 'lc_master';
const MASTER_PASSWORD = `lc-master-${randomBytes(4).toString('hex')}`;
const TABLE = 'lifecycle';

let server: EmbeddedServer;
let dynamo: EmbeddedDynamo;
let vault: FakeVault;
let sm: FakeSecretsManager;
let smMock: ReturnType<typeof mockSecretsManager>;
const key = randomBytes(32);
const doc = () => createDocumentClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: LOCAL_AWS_CREDENTIALS });

const superuser = (database = 'postgres') => ({ host: '127.0.0.1', port: server.port, user: server.user, password: server.password, database });
const logsIn = async (user: string, password: string | undefined) => (await pgTry({ ...superuser('app'), user, password }, ['SELECT 1'])).ok;

function target(): DbTarget {
  return {
    kind: 'direct',
    reset_master_password: false,
    master_secret_arn: null,
    iam_resource_id: null,
    db_arn: 'target:lifecycle',
    resource_key: directResourceKey('postgres', '127.0.0.1', server.port),
    partition: '',
    region: '',
    account_id: '',
    instance_id: 'lifecycle',
    cluster_id: null,
    engine: 'postgres',
    host: '127.0.0.1',
    port: server.port,
    master_user: MASTER,
    default_database: 'postgres',
    vpc_id: null,
    security_group_ids: [],
    databases: ['app'],
  };
}

type Fault = (store: RoleSecretStore) => RoleSecretStore;

/** The stores of a deployment with Vault and Secrets Manager configured; `fault` wraps the store a job opens. */
function stores(fault?: Fault): SecretStores {
  const config: SecretStoresConfig = {
    database: new DatabaseRoleSecretStore(doc(), TABLE, new LocalKeyCipher(key)),
    vault: new VaultClient({ address: vault.url, auth: async () => ({ token: 'lc-token' }) }),
    secretsManager: { client: new SecretsManagerClient({ region: 'us-east-1', credentials: LOCAL_AWS_CREDENTIALS }), allowedPrefix: 'dbroles/' },
  };
  return new (class extends SecretStores {
    override open(choice: SecretStoreChoice): RoleSecretStore {
      const store = super.open(choice);
      return fault ? fault(store) : store;
    }
  })(config);
}

function deps(overrides: Partial<WorkflowDeps> = {}): WorkflowDeps {
  return {
    jobs: new DynamoJobStore(doc(), TABLE),
    credentials: new DynamoCredentialStore(doc(), TABLE, new LocalKeyCipher(key)),
    secretStores: stores(),
    locks: new DynamoLockStore(doc(), TABLE),
    connections: new DynamoConnectionStore(doc(), TABLE),
    aws: new DefaultAwsAccess({ clients: ALL_AWS_CLIENTS, credentials: LOCAL_AWS_CREDENTIALS }),
    provisioners: PROVISIONERS,
    verifiers: {},
    webhook: { send: async () => ({ sent: false, message: 'not configured' }) },
    hookRunner: { run: async () => ({ exit_code: 0, output: '', dropped_bytes: 0, execution_time_sec: 0 }) },
    clock: () => new Date(),
    generatePassword,
    config: { orgId: 'org', gatewayHost: 'dbroles.test', lockLeaseSeconds: 600, masterCheckMaxAttempts: 3, dbTls: 'off', connectTimeoutSeconds: 5, hookTimeoutSeconds: 10 },
    ...overrides,
  };
}

const PROVIDERS: Array<{ name: string; request: Partial<JobRequest> }> = [
  { name: 'database', request: {} },
  { name: 'vault', request: { vault_provider: { secret_id: 'kv/data/lifecycle-' } } },
  { name: 'aws-secrets-manager', request: { aws_secrets_manager: { name_prefix: 'dbroles/lc-' } } },
];

async function job(request: Partial<JobRequest>): Promise<string> {
  const id = randomUUID();
  const parsed = JobRequestSchema.parse({
    connection_prefix_name: 'lifecycle',
    target: { engine: 'postgres', host: '127.0.0.1', port: server.port, master_user: MASTER, name: 'lifecycle', databases: ['app'] },
    ...request,
  });
  await new DynamoJobStore(doc(), TABLE).create({ job: newJob({ id, orgId: 'org', dbArn: 'target:lifecycle', now: new Date() }), request: parsed });
  return id;
}

/** The current credentials of hoop_<tier> in the store the request picks. */
async function current(request: Partial<JobRequest>, tier: 'ro' | 'rw' | 'ddl' = 'ro') {
  const parsed = JobRequestSchema.parse({ connection_prefix_name: 'lifecycle', target: { engine: 'postgres', host: 'h', port: 1, master_user: 'm', name: 'n' }, ...request });
  const store = stores().open(secretStoreChoice(parsed));
  const scope = roleSecretScope(target(), parsed, tier);
  return { current: await store.readCurrent(scope), pending: await store.readPending(scope) };
}

beforeAll(async () => {
  [server, dynamo, vault] = await Promise.all([startEmbeddedPostgres(), startDynalite(), startFakeVault({ token: 'lc-token' })]);
  await ensureTable(dynamo.endpoint, TABLE);
  sm = new FakeSecretsManager();
  smMock = mockSecretsManager(sm);
  await pgRun(superuser(), [`CREATE ROLE ${MASTER} LOGIN CREATEROLE PASSWORD '${MASTER_PASSWORD}'`, `CREATE DATABASE app OWNER ${MASTER}`]);
  await pgRun({ ...superuser('app'), user: MASTER, password: MASTER_PASSWORD }, ['CREATE TABLE t (id serial PRIMARY KEY, v text)']);
  await deps().credentials.putCurrentMaster(target().resource_key, MASTER, MASTER_PASSWORD);
}, 120_000);
afterAll(async () => {
  smMock?.restore();
  await Promise.all([server?.stop(), dynamo?.stop(), vault?.stop()]);
});
afterEach(() => {
  vault.failWrites = undefined;
});

describe.each(PROVIDERS)('the credential lifecycle with the $name store, on a server that checks passwords', ({ request }) => {
  it('keeps every working password on a rerun, and changes them only with rotate_passwords', async () => {
    const first = await provisionRole({ job_id: await job(request), tier: 'ro', target: target() }, deps());
    expect(first.status, first.message).toBe('completed');
    const stored = (await current(request)).current;
    expect(await logsIn('hoop_ro', stored?.password)).toBe(true);

    const rerun = await provisionRole({ job_id: await job(request), tier: 'ro', target: target() }, deps());
    expect(rerun).toMatchObject({ status: 'completed', credentials_info: first.credentials_info });
    expect((await current(request)).current?.password, 'a rerun keeps the password').toBe(stored?.password);
    expect(await logsIn('hoop_ro', stored?.password), 'the old password still logs in').toBe(true);

    const rotated = await provisionRole({ job_id: await job({ ...request, rotate_passwords: true }), tier: 'ro', target: target() }, deps());
    expect(rotated.status, rotated.message).toBe('completed');
    const after = await current(request);
    expect(after.current?.password).not.toBe(stored?.password);
    expect(after.pending).toBeUndefined();
    expect(await logsIn('hoop_ro', after.current?.password)).toBe(true);
    expect(await logsIn('hoop_ro', stored?.password), 'the rotated-out password is refused').toBe(false);
  });

  it('keeps current working when the database refuses the new password', async () => {
    await provisionRole({ job_id: await job(request), tier: 'rw', target: target() }, deps());
    const before = (await current(request, 'rw')).current;
    const refusing: RoleProvisioner = {
      ...PROVISIONERS.postgres,
      connect: async (t, stats) => {
        const session = await PROVISIONERS.postgres.connect(t, stats);
        return {
          ...session,
          server: session.server,
          listDatabases: () => session.listDatabases(),
          grantInDatabase: (d, u) => session.grantInDatabase(d, u),
          changeOwnPassword: (p) => session.changeOwnPassword(p),
          close: () => session.close(),
          ensureUser: async (user) => {
            if (!user.keepPassword) throw Object.assign(new Error('password does not meet the policy'), { code: '28P01' });
            return session.ensureUser(user);
          },
        };
      },
    };
    const result = await provisionRole(
      { job_id: await job({ ...request, rotate_passwords: true }), tier: 'rw', target: target() },
      deps({ provisioners: { ...PROVISIONERS, postgres: refusing } }),
    );
    expect(result).toMatchObject({ status: 'failed', credentials_info: null });
    expect(result.message).toMatch(/password does not meet the policy/);
    const after = await current(request, 'rw');
    expect(after.current?.password).toBe(before?.password);
    expect(after.pending, 'the refused password is not left pending').toBeUndefined();
    expect(await logsIn('hoop_rw', after.current?.password)).toBe(true);
  });

  it('keeps current working when the store fails to take the new password', async () => {
    await provisionRole({ job_id: await job(request), tier: 'ddl', target: target() }, deps());
    const before = (await current(request, 'ddl')).current;
    const failing: Fault = (store) => ({
      ...bind(store),
      writePending: async () => {
        throw new SecretStoreError('Unable to create or update secret in Vault, reason=HTTP 503: sealed');
      },
    });
    const result = await provisionRole({ job_id: await job({ ...request, rotate_passwords: true }), tier: 'ddl', target: target() }, deps({ secretStores: stores(failing) }));
    expect(result).toMatchObject({ status: 'failed', credentials_info: null, secret_store_failed: true });
    expect((await current(request, 'ddl')).current?.password).toBe(before?.password);
    expect(await logsIn('hoop_ddl', before?.password), 'the database was never changed').toBe(true);
  });

  it('recovers a password the database took when the process died before promoting it', async () => {
    await provisionRole({ job_id: await job(request), tier: 'ro', target: target() }, deps());
    const before = (await current(request)).current;
    const dying: Fault = (store) => ({
      ...bind(store),
      promote: async () => {
        throw new Error('simulated crash between the database change and the promote');
      },
    });
    await expect(provisionRole({ job_id: await job({ ...request, rotate_passwords: true }), tier: 'ro', target: target() }, deps({ secretStores: stores(dying) }))).rejects.toThrow(
      /simulated crash/,
    );
    const crashed = await current(request);
    expect(crashed.current?.password, 'current is untouched by the crash').toBe(before?.password);
    expect(await logsIn('hoop_ro', crashed.pending?.password), 'the pending password is the live one').toBe(true);

    // The retry (or the next job) promotes it and keeps it: no second change.
    const retry = await provisionRole({ job_id: await job(request), tier: 'ro', target: target() }, deps());
    expect(retry.status, retry.message).toBe('completed');
    const after = await current(request);
    expect(after.current?.password).toBe(crashed.pending?.password);
    expect(after.pending).toBeUndefined();
    expect(await logsIn('hoop_ro', after.current?.password)).toBe(true);
  });

  it('keeps current working when the process dies after the pending write and before the database change', async () => {
    await provisionRole({ job_id: await job(request), tier: 'rw', target: target() }, deps());
    const before = (await current(request, 'rw')).current;
    const dying: Fault = (store) => ({
      ...bind(store),
      writePending: async (scope, secret) => {
        await store.writePending(scope, secret);
        throw new Error('simulated crash after the write-ahead');
      },
    });
    await expect(provisionRole({ job_id: await job({ ...request, rotate_passwords: true }), tier: 'rw', target: target() }, deps({ secretStores: stores(dying) }))).rejects.toThrow();
    expect(await logsIn('hoop_rw', (await current(request, 'rw')).current?.password)).toBe(true);
    // The next run finds a pending password that never logged in, drops it and keeps current.
    const next = await provisionRole({ job_id: await job(request), tier: 'rw', target: target() }, deps());
    expect(next.status).toBe('completed');
    const after = await current(request, 'rw');
    expect(after).toMatchObject({ current: { password: before?.password }, pending: undefined });
  });
});

/** A store's methods bound to it, so a test can replace one. */
function bind(store: RoleSecretStore): RoleSecretStore {
  return {
    provider: store.provider,
    readCurrent: (s) => store.readCurrent(s),
    readPending: (s) => store.readPending(s),
    writePending: (s, x) => store.writePending(s, x),
    promote: (s, x) => store.promote(s, x),
    discardPending: (s) => store.discardPending(s),
    info: (s) => store.info(s),
    read: (id) => store.read(id),
  };
}

describe('the Vault store refusing a write', () => {
  it("fails the role with the product's message and keeps Vault's current entry working", async () => {
    const request = { vault_provider: { secret_id: 'kv/data/refusing-' } };
    await provisionRole({ job_id: await job(request), tier: 'ro', target: target() }, deps());
    const before = (await current(request)).current;
    vault.failWrites = { match: /refusing-.*\.dbroles-pending$/, status: 500 };
    const result = await provisionRole({ job_id: await job({ ...request, rotate_passwords: true }), tier: 'ro', target: target() }, deps());
    expect(result).toMatchObject({ status: 'failed', secret_store_failed: true });
    expect(result.message).toMatch(/^Unable to create or update secret in Vault, reason=HTTP 500/);
    expect(await logsIn('hoop_ro', before?.password)).toBe(true);
    expect((await current(request)).current?.password).toBe(before?.password);
  });
});

describe('master credentials', () => {
  it('keeps both masters when jobs on one server use different master users', async () => {
    await pgRun(superuser(), [`CREATE ROLE lc_other LOGIN CREATEROLE PASSWORD 'other-master-pw'`]);
    const d = deps();
    const other: DbTarget = { ...target(), master_user: 'lc_other' };
    for (const [t, password] of [
      [target(), MASTER_PASSWORD],
      [other, 'other-master-pw'],
    ] as const) {
      const id = await job({});
      await d.credentials.putOfferedMaster(id, password);
      await ensureMasterCredentials({ job_id: id, target: t }, d);
    }
    const first = await d.credentials.getMaster(target().resource_key, MASTER);
    const second = await d.credentials.getMaster(target().resource_key, 'lc_other');
    expect(first?.current).toBe(MASTER_PASSWORD);
    expect(second?.current).toBe('other-master-pw');
    expect((await pgTry({ ...superuser('app'), user: MASTER, password: first?.current }, ['SELECT 1'])).ok).toBe(true);
    expect((await pgTry({ ...superuser('app'), user: 'lc_other', password: second?.current }, ['SELECT 1'])).ok).toBe(true);
  });
});
