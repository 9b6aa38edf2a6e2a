import { describe, expect, it } from 'vitest';
import { buildHookRequest, buildHookResponse, loadStoredCredentials } from '../../../../lambdas/core/hook/runbook-inputs.ts';
import { JobRequestSchema, newJob, type Job } from '../../../../lambdas/core/job.ts';
import type { RoleSecret, RoleSecretStore } from '../../../../lambdas/core/secrets/types.ts';

const ARN = 'arn:aws:rds:us-west-2:200070128927:db:pgtest1';
const HOST = 'pgtest1.sakjksqiwuqijs.us-west-2.rds.amazonaws.com';

function finishedJob(): Job {
  const job = newJob({ id: 'cd2fe668-2f83-4798-a0ed-41688e1891e9', orgId: 'bb5960f1', dbArn: ARN, now: new Date('2026-01-01T00:00:00Z') });
  job.spec = { account_arn: 'arn:aws:iam::200070128927:root', db_arn: ARN, db_name: 'pgtest1', db_engine: 'postgres', db_tags: [{ key: 'owner', value: 'someone@mycorp.com' }, { key: 'bu', value: 'banking' }] };
  const base = { message: '', completed_at: '2026-01-01T00:01:00Z', database_counts: { total: 1, completed: 1, failed: 0 }, first_failures: [] };
  job.status = {
    phase: 'failed',
    message: 'One or more user roles failed to be provisioned',
    result: [
      { ...base, user_role: 'hoop_ro', role_suffix_name: 'ro', status: 'completed', credentials_info: { secrets_manager_provider: 'vault', secret_id: `dbsecrets/data/hoop_ro_${HOST}`, secret_keys: ['HOST', 'PORT', 'USER', 'PASSWORD', 'DB'] } },
      { ...base, user_role: 'hoop_rw', role_suffix_name: 'rw', status: 'completed', credentials_info: { secrets_manager_provider: 'vault', secret_id: `dbsecrets/data/hoop_rw_${HOST}`, secret_keys: ['HOST', 'PORT', 'USER', 'PASSWORD', 'DB'] } },
      { ...base, user_role: 'hoop_ddl', role_suffix_name: 'ddl', status: 'failed', message: 'dial tcp: no such host', credentials_info: null },
    ],
  };
  return job;
}

describe('buildHookRequest', () => {
  it("shapes the seed's Request object: port as a string, tags as single-key objects, vault_provider or null", () => {
    const job = finishedJob();
    const request = JobRequestSchema.parse({ connection_prefix_name: 'pg', aws: { instance_arn: ARN }, vault_provider: { secret_id: 'dbsecrets/data/' } });
    expect(buildHookRequest({ job, request }, { host: HOST, port: 5432, master_user: 'postgres' }, 'master-pw')).toEqual({
      org_id: 'bb5960f1',
      sid: job.id,
      resource_id: ARN,
      hostname: HOST,
      port: '5432',
      master_user: 'postgres',
      master_password: 'master-pw',
      database_type: 'postgres',
      database_tags: [{ owner: 'someone@mycorp.com' }, { bu: 'banking' }],
      vault_provider: { secret_id: 'dbsecrets/data/' },
    });
    const plain = JobRequestSchema.parse({ connection_prefix_name: 'pg', aws: { instance_arn: ARN } });
    expect(buildHookRequest({ job, request: plain }, { host: HOST, port: 5432, master_user: 'postgres' }, 'm').vault_provider).toBeNull();
  });
});

describe('buildHookResponse', () => {
  it('reads each completed role back from its store and gives a failed role null credentials and an empty suffix', async () => {
    const job = finishedJob();
    const reads: string[] = [];
    const reader = {
      read: async (id: string): Promise<RoleSecret> => {
        reads.push(id);
        return { host: HOST, port: 5432, user: id.includes('hoop_ro') ? 'hoop_ro' : 'hoop_rw', password: `pw-of-${id.slice(15, 22)}`, database: 'postgres' };
      },
    } as unknown as RoleSecretStore;
    const credentials = await loadStoredCredentials(job, { reader: () => reader });
    expect(reads).toEqual([`dbsecrets/data/hoop_ro_${HOST}`, `dbsecrets/data/hoop_rw_${HOST}`]);
    const response = buildHookResponse(job, credentials);
    expect(response).toMatchObject({ sid: job.id, status: 'failed', message: 'One or more user roles failed to be provisioned' });
    expect(response.result[0]).toEqual({
      db_credentials: {
        host: HOST,
        port: '5432',
        user: 'hoop_ro',
        password: 'pw-of-hoop_ro',
        default_database: 'postgres',
        options: {},
        secrets_manager_provider: 'vault',
        secret_id: `dbsecrets/data/hoop_ro_${HOST}`,
        secret_keys: ['HOST', 'PORT', 'USER', 'PASSWORD', 'DB'],
      },
      role_suffix_name: 'ro',
      status: 'completed',
      message: '',
      completed_at: '2026-01-01T00:01:00Z',
    });
    expect(response.result[2]).toMatchObject({ db_credentials: null, role_suffix_name: '', status: 'failed', message: 'dial tcp: no such host' });
  });
});
