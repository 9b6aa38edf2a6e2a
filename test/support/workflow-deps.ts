import { randomBytes } from 'node:crypto';
import { DefaultAwsAccess } from '../../lambdas/core/aws/access.ts';
import type { ProvisionerSession, RoleProvisioner } from '../../lambdas/core/engines/types.ts';
import { generatePassword } from '../../lambdas/core/password.ts';
import { LocalHookRunner } from '../../lambdas/core/hook/hook-runner.ts';
import { LocalKeyCipher } from '../../lambdas/core/secrets/cipher.ts';
import { DatabaseRoleSecretStore } from '../../lambdas/core/secrets/database-store.ts';
import { SecretStores } from '../../lambdas/core/secrets/secret-stores.ts';
import type { WorkflowDeps } from '../../lambdas/core/steps/deps.ts';
import { DynamoConnectionStore } from '../../lambdas/core/store/connection-store.ts';
import { DynamoCredentialStore } from '../../lambdas/core/store/credential-store.ts';
import { createDocumentClient } from '../../lambdas/core/store/dynamo.ts';
import { DynamoJobStore } from '../../lambdas/core/store/job-store.ts';
import { DynamoLockStore } from '../../lambdas/core/store/lock-store.ts';
import { ensureTable, LOCAL_AWS_CREDENTIALS } from '../../local/embedded-dynamodb.ts';
import { ALL_AWS_CLIENTS } from '../../lambdas/core/aws/clients/all.ts';

/**
 * A database server double for steps that only log in as master: `live` is the password that
 * works; anything else is refused like PostgreSQL refuses it (SQLSTATE 28P01).
 */
export function fakeLoginProvisioner(state: { live: string; unreachable?: boolean }): RoleProvisioner {
  const session: ProvisionerSession = {
    server: { version: 'fake', flavor: 'postgres', defaultDatabase: 'postgres' },
    listDatabases: async () => [],
    ensureUser: async () => ({ created: true }),
    grantInDatabase: async () => ({ warnings: [] }),
    changeOwnPassword: async (password) => {
      state.live = password;
    },
    close: async () => undefined,
  };
  return {
    family: 'postgres',
    isAuthenticationError: (error) => (error as { code?: string }).code === '28P01',
    connect: async (target) => {
      if (state.unreachable) throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:5432'), { code: 'ECONNREFUSED' });
      if (target.password !== state.live) throw Object.assign(new Error('password authentication failed for user "admin"'), { code: '28P01' });
      return session;
    },
  };
}

/** WorkflowDeps on a fresh dynalite table, with real stores and AWS access (mocked with aws-sdk-client-mock). */
export async function workflowDepsFor(endpoint: string, overrides: Partial<WorkflowDeps> = {}): Promise<WorkflowDeps> {
  const table = `t${randomBytes(4).toString('hex')}`;
  await ensureTable(endpoint, table);
  const doc = createDocumentClient({ endpoint, region: 'us-east-1', credentials: LOCAL_AWS_CREDENTIALS });
  const login = fakeLoginProvisioner({ live: 'unused' });
  const cipher = new LocalKeyCipher(randomBytes(32));
  return {
    jobs: new DynamoJobStore(doc, table),
    credentials: new DynamoCredentialStore(doc, table, cipher),
    secretStores: new SecretStores({ database: new DatabaseRoleSecretStore(doc, table, cipher) }),
    locks: new DynamoLockStore(doc, table),
    connections: new DynamoConnectionStore(doc, table),
    aws: new DefaultAwsAccess({ clients: ALL_AWS_CLIENTS, credentials: LOCAL_AWS_CREDENTIALS }),
    provisioners: { postgres: login, mysql: login, sqlserver: login },
    verifiers: {},
    webhook: { send: async () => ({ sent: false, message: 'not configured' }) },
    hookRunner: new LocalHookRunner(),
    clock: () => new Date(),
    generatePassword,
    config: { orgId: 'org', gatewayHost: 'dbroles.example.com', lockLeaseSeconds: 600, masterCheckMaxAttempts: 3, dbTls: 'off', connectTimeoutSeconds: 5, hookTimeoutSeconds: 10 },
    ...overrides,
  };
}
