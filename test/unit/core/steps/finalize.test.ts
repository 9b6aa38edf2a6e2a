import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRequestSchema, newJob, VAULT_SAVE_FAILED, type RoleResult } from '../../../../lambdas/core/job.ts';
import type { WorkflowDeps } from '../../../../lambdas/core/steps/deps.ts';
import { finalize } from '../../../../lambdas/core/steps/finalize.ts';
import { startDynalite, type EmbeddedDynamo } from '../../../../local/embedded-dynamodb.ts';
import { rdsTarget } from '../../../support/targets.ts';
import { workflowDepsFor } from '../../../support/workflow-deps.ts';

let dynamo: EmbeddedDynamo;
let deps: WorkflowDeps;
beforeAll(async () => {
  dynamo = await startDynalite();
  deps = await workflowDepsFor(dynamo.endpoint);
});
afterAll(() => dynamo.stop());

const ARN = 'arn:aws:rds:us-east-1:111111111111:db:orders';
const target = rdsTarget();
const path = (tier: string) => `kv/data/hoop_${tier}_${target.host}`;
const role = (tier: 'ro' | 'rw' | 'ddl', over: Partial<RoleResult> = {}): RoleResult => ({
  user_role: `hoop_${tier}`,
  role_suffix_name: tier,
  status: 'completed',
  message: '',
  credentials_info: { secrets_manager_provider: 'vault', secret_id: path(tier), secret_keys: ['HOST', 'PORT', 'USER', 'PASSWORD', 'DB'] },
  completed_at: '2026-01-01T00:00:00Z',
  database_counts: { total: 0, completed: 0, failed: 0 },
      first_failures: [],
  ...over,
});

describe('finalize', () => {
  it("fails a Vault job with the seed's message when Vault refused a role, and references Vault from the connections", async () => {
    const id = randomUUID();
    const request = JobRequestSchema.parse({ connection_prefix_name: 'orders', job_steps: ['create-connections'], aws: { instance_arn: ARN }, vault_provider: { secret_id: 'kv/data/' } });
    await deps.jobs.create({ job: newJob({ id, orgId: 'org', dbArn: ARN, now: new Date() }), request });
    const refused = role('ddl', { status: 'failed', message: 'Unable to create or update secret in Vault, reason=HTTP 503: sealed', credentials_info: null, secret_store_failed: true });
    expect(await finalize({ job_id: id, target, results: [role('ro'), role('rw'), refused] }, deps)).toEqual({ phase: 'failed' });
    const { job } = await deps.jobs.get(id);
    expect(job.status.message).toBe(VAULT_SAVE_FAILED);
    const ro = await deps.connections.get('orders-ro');
    expect(ro.env).toEqual(
      Object.fromEntries(
        ['HOST', 'PORT', 'USER', 'PASS', 'DB'].map((name) => {
          const key = name === 'PASS' ? 'PASSWORD' : name;
          return [name, { secret_ref: { provider: 'vault', secret_id: path('ro'), key }, ref: `_vaultkv2:${path('ro')}:${key}` }];
        }),
      ),
    );
    await expect(deps.connections.get('orders-ddl')).rejects.toThrow(/not found/);
  });
});
