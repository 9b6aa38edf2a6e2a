import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProvisionerSession, RoleProvisioner } from '../../lambdas/core/engines/types.ts';
import { jobDbArn, JobRequestSchema, newJob } from '../../lambdas/core/job.ts';
import type { WorkflowDeps } from '../../lambdas/core/steps/deps.ts';
import { createDocumentClient } from '../../lambdas/core/store/dynamo.ts';
import { jobKey } from '../../lambdas/core/store/keys.ts';
import { localTaskHandlers } from '../../lambdas/shared/all-tasks.ts';
import { LOCAL_AWS_CREDENTIALS, startDynalite, type EmbeddedDynamo } from '../../local/embedded-dynamodb.ts';
import { LocalWorkflowRunner } from '../../local/workflow-runner.ts';
import { workflowDepsFor } from '../support/workflow-deps.ts';

const DATABASES = Array.from({ length: 2000 }, (_, i) => `tenant_${String(i).padStart(4, '0')}`);

/** A server with 2,000 databases (real ones would not fit here); every 97th refuses the grants, with a long message. */
function manyDatabases(): RoleProvisioner {
  const session: ProvisionerSession = {
    server: { version: 'fake', flavor: 'postgres', defaultDatabase: 'postgres' },
    listDatabases: async () => DATABASES,
    ensureUser: async () => ({ created: false }),
    grantInDatabase: async (database) => {
      if (Number(database.slice(-4)) % 97 === 0) throw new Error(`permission denied for database ${database}: ${'x'.repeat(500)}`);
      return { warnings: [] };
    },
    changeOwnPassword: async () => undefined,
    close: async () => undefined,
  };
  return { family: 'postgres', isAuthenticationError: () => false, connect: async () => session };
}

let dynamo: EmbeddedDynamo;
let deps: WorkflowDeps;
beforeAll(async () => {
  dynamo = await startDynalite();
  const provisioner = manyDatabases();
  deps = await workflowDepsFor(dynamo.endpoint, { provisioners: { postgres: provisioner, mysql: provisioner, sqlserver: provisioner } });
});
afterAll(() => dynamo.stop());

describe('state that does not grow with the number of databases', () => {
  it('runs a job over 2,000 databases with every state under 32 KB and the job item under 100 KB, the detail paged', async () => {
    const id = randomUUID();
    const request = JobRequestSchema.parse({
      connection_prefix_name: 'many',
      target: { engine: 'postgres', host: 'many.internal', port: 5432, master_user: 'admin', name: 'many' },
    });
    await deps.credentials.putOfferedMaster(id, 'master-pw');
    await deps.jobs.create({ job: newJob({ id, orgId: 'org', dbArn: jobDbArn(request), now: new Date() }), request });
    const handlers = localTaskHandlers(deps);
    const outcome = await new LocalWorkflowRunner(handlers, { waitMs: 10, retryMs: 10 }).start(id).done;
    expect(outcome.status, outcome.error).toBe('SUCCEEDED');
    expect(outcome.largestStateBytes).toBeGreaterThan(0);
    expect(outcome.largestStateBytes).toBeLessThan(32 * 1024);
    // A 3-role job with no waits: every state entered, Map items included.
    expect(outcome.states.length, outcome.states.join(' → ')).toBeLessThanOrEqual(24);

    const doc = createDocumentClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: LOCAL_AWS_CREDENTIALS });
    const item = (await doc.send(new GetCommand({ TableName: (deps.jobs as unknown as { table: string }).table, Key: jobKey(id) }))).Item;
    expect(Buffer.byteLength(JSON.stringify(item))).toBeLessThan(100 * 1024);

    const { job } = await deps.jobs.get(id);
    const failing = DATABASES.filter((d) => Number(d.slice(-4)) % 97 === 0);
    for (const r of job.status.result) {
      expect(r.database_counts).toEqual({ total: 2000, completed: 2000 - failing.length, failed: failing.length });
      expect(r.first_failures.map((f) => f.database)).toEqual(failing.slice(0, 3));
      expect(r.message).toMatch(new RegExp(`^failed in ${failing.length} of 2000 databases: tenant_0000: .*\\(and ${failing.length - 3} more\\)$`));
    }
    let token: string | undefined;
    const all: string[] = [];
    do {
      const page = await deps.jobs.listDatabaseOutcomes(id, 1000, token);
      all.push(...page.items.map((o) => `${o.user_role}:${o.database}:${o.status}`));
      token = page.nextToken;
    } while (token);
    expect(all).toHaveLength(6000);
    expect(all.filter((o) => o.endsWith(':failed'))).toHaveLength(3 * failing.length);
  });
});
