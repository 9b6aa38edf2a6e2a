import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProvisionerSession, RoleProvisioner, RoleUser } from '../../../../lambdas/core/engines/types.ts';
import { JobRequestSchema, newJob } from '../../../../lambdas/core/job.ts';
import type { WorkflowDeps } from '../../../../lambdas/core/steps/deps.ts';
import { provisionRole } from '../../../../lambdas/core/steps/provision-role.ts';
import { startDynalite, type EmbeddedDynamo } from '../../../../local/embedded-dynamodb.ts';
import { rdsTarget } from '../../../support/targets.ts';
import { workflowDepsFor } from '../../../support/workflow-deps.ts';

/** A server with three databases; grants in "b" are refused; it records each user and whether its password was kept. */
function fakeServer() {
  const users: Array<Pick<RoleUser, 'name' | 'keepPassword'>> = [];
  const session: ProvisionerSession = {
    server: { version: 'fake', flavor: 'postgres', defaultDatabase: 'postgres' },
    listDatabases: async () => ['a', 'b', 'c'],
    ensureUser: async (user) => {
      users.push({ name: user.name, keepPassword: user.keepPassword });
      return { created: users.length === 1 };
    },
    grantInDatabase: async (database) => {
      if (database === 'b') throw new Error('permission denied for schema app');
      return { warnings: [] };
    },
    changeOwnPassword: async () => undefined,
    close: async () => undefined,
  };
  const provisioner: RoleProvisioner = { family: 'postgres', isAuthenticationError: () => false, connect: async () => session };
  return { provisioner, users };
}

let dynamo: EmbeddedDynamo;
let deps: WorkflowDeps;
let server: ReturnType<typeof fakeServer>;
const target = { ...rdsTarget({ instance_id: 'roles' }), databases: null };
beforeAll(async () => {
  dynamo = await startDynalite();
  server = fakeServer();
  deps = await workflowDepsFor(dynamo.endpoint, { provisioners: { postgres: server.provisioner } });
  await deps.credentials.putCurrentMaster(target.resource_key, target.master_user, 'master-pw');
});
afterAll(() => dynamo.stop());

async function job(rotate = false): Promise<string> {
  const id = randomUUID();
  const request = JobRequestSchema.parse({ connection_prefix_name: 'roles', aws: { instance_arn: target.db_arn }, rotate_passwords: rotate });
  await deps.jobs.create({ job: newJob({ id, orgId: 'org', dbArn: target.db_arn, now: new Date() }), request });
  return id;
}

describe('provisionRole', () => {
  it('counts each database, names the first failures, stores the detail apart, and keeps the password it set', async () => {
    const id = await job();
    const result = await provisionRole({ job_id: id, tier: 'ro', target }, deps);
    expect(result).toMatchObject({
      user_role: 'hoop_ro',
      role_suffix_name: 'ro',
      status: 'failed',
      database_counts: { total: 3, completed: 2, failed: 1 },
      first_failures: [{ database: 'b', message: 'permission denied for schema app' }],
      credentials_info: { secrets_manager_provider: 'database', secret_id: `${target.resource_key}/hoop_ro` },
    });
    expect(result.message).toMatch(/^failed in 1 of 3 databases: b: permission denied/);
    const outcomes = await deps.jobs.listDatabaseOutcomes(id, 10);
    expect(outcomes.items.map((o) => `${o.database}:${o.status}`)).toEqual(['a:completed', 'b:failed', 'c:completed']);
    const stored = await deps.secretStores.reader('database').read(`${target.resource_key}/hoop_ro`);
    expect(stored).toMatchObject({ user: 'hoop_ro', host: target.host, port: target.port });
    expect(JSON.stringify(result)).not.toContain(stored.password);
  });

  it('keeps the stored password on a rerun (no new password is sent), and sets a new one with rotate_passwords', async () => {
    const before = (await deps.secretStores.reader('database').read(`${target.resource_key}/hoop_ro`)).password;
    server.users.length = 0;
    await provisionRole({ job_id: await job(), tier: 'ro', target }, deps);
    expect(server.users).toEqual([{ name: 'hoop_ro', keepPassword: true }]);
    expect((await deps.secretStores.reader('database').read(`${target.resource_key}/hoop_ro`)).password).toBe(before);
    server.users.length = 0;
    await provisionRole({ job_id: await job(true), tier: 'ro', target }, deps);
    expect(server.users).toEqual([{ name: 'hoop_ro', keepPassword: false }]);
    expect((await deps.secretStores.reader('database').read(`${target.resource_key}/hoop_ro`)).password).not.toBe(before);
  });

  it('refuses to run without a working master password', async () => {
    const other = { ...rdsTarget({ instance_id: 'nomaster' }), databases: null };
    await expect(provisionRole({ job_id: await job(), tier: 'rw', target: other }, deps)).rejects.toThrow(/no working master password is stored/);
  });
});
