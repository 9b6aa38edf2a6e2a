import { beforeAll, describe, expect, it } from 'vitest';
import { getConnectionCredentials } from '../../lambdas/api/connections.ts';
import type { ApiRequest } from '../../lambdas/api/request.ts';
import { JobRequestInputSchema } from '../../lambdas/core/job.ts';
import { DynamoConnectionStore } from '../../lambdas/core/store/connection-store.ts';
import { rdsInstance } from '../support/fake-aws.ts';
import { pgQuery } from '../support/pg.ts';
import { arnOf, createJob, doc, MASTER, rds, runJob, setUpWorkflowHarness, sql, superuser, TABLE } from './harness.ts';

setUpWorkflowHarness();

/** An RDS instance on the harness's PostgreSQL, with or without IAM database authentication. */
function instance(id: string, iamEnabled: boolean) {
  rds.instances.set(id, {
    ...rdsInstance({ id, engine: 'postgres', host: '127.0.0.1', port: superuser().port, masterUser: MASTER, dbName: 'app1' }),
    IAMDatabaseAuthenticationEnabled: iamEnabled,
    DbiResourceId: `db-${id.toUpperCase()}`,
  });
}

beforeAll(async () => {
  // RDS's own role, standing in: on RDS the master (rds_superuser) may grant it.
  await sql(['CREATE ROLE rds_iam NOLOGIN', `GRANT rds_iam TO ${MASTER} WITH ADMIN OPTION`]);
});

describe('IAM database authentication (auth "iam"), run locally with the real task handlers', () => {
  it('provisions users that hold rds_iam and no password; their credentials are the rds-db resource, and nothing anywhere holds a password', async () => {
    instance('pg-iam', true);
    const { outcome, job } = await runJob(await createJob({ aws: { instance_arn: arnOf('pg-iam') }, auth: 'iam', connection_prefix_name: 'iam', job_steps: ['create-connections'] }));
    expect(outcome.status, job.status.message).toBe('SUCCEEDED');
    expect(job.status.phase, job.status.message).toBe('completed');
    for (const r of job.status.result) {
      expect(r.credentials_info).toEqual({ secrets_manager_provider: 'iam', secret_id: `arn:aws:rds-db:us-east-1:111111111111:dbuser:db-PG-IAM/${r.user_role}`, secret_keys: [] });
    }
    const users = await pgQuery<{ rolname: string; has_password: boolean; iam: boolean }>(
      superuser(),
      "SELECT rolname, rolpassword IS NOT NULL AS has_password, pg_has_role(oid, 'rds_iam', 'MEMBER') AS iam FROM pg_authid WHERE rolname LIKE 'hoop\\_%' ORDER BY 1",
    );
    expect(users).toEqual(['hoop_ddl', 'hoop_ro', 'hoop_rw'].map((rolname) => ({ rolname, has_password: false, iam: true })));

    const connection = await new DynamoConnectionStore(doc(), TABLE).get('iam-ro');
    expect(connection.env.PASS).toBeUndefined();
    expect(connection.env.AUTH).toEqual({ value: 'iam' });
    expect(connection.command.join(' ')).toContain('sslmode=require');
    const request = { method: 'GET', path: '', caller: 'test', query: {}, pathParameters: { name: 'iam-ro' }, jsonBody: () => ({}) } as ApiRequest;
    const answer = JSON.parse((await getConnectionCredentials(request, { connections: new DynamoConnectionStore(doc(), TABLE), secretStores: {} as never, clock: () => new Date() })).body) as Record<string, unknown>;
    expect(answer).toEqual({ name: 'iam-ro', auth: 'iam', host: '127.0.0.1', port: superuser().port, user: 'hoop_ro', database: 'postgres', resource_arn: 'arn:aws:rds-db:us-east-1:111111111111:dbuser:db-PG-IAM/hoop_ro' });
  });

  it('refuses, before any change, an instance without IAM database authentication, saying how to enable it', async () => {
    instance('pg-noiam', false);
    const modifies = rds.modifyCalls.length;
    const { job } = await runJob(await createJob({ aws: { instance_arn: arnOf('pg-noiam') }, auth: 'iam' }));
    expect(job.status.phase).toBe('failed');
    expect(job.status.message).toBe(
      'instance "pg-noiam" does not have IAM database authentication enabled; enable it (aws rds modify-db-instance --db-instance-identifier pg-noiam --enable-iam-database-authentication --apply-immediately) and run the job again',
    );
    expect(rds.modifyCalls).toHaveLength(modifies);
  });

  it('refuses "iam" with a password store, rotation or a database given directly, naming them', () => {
    const parsed = JobRequestInputSchema.safeParse({ connection_prefix_name: 'x', auth: 'iam', rotate_passwords: true, vault_provider: { secret_id: 'kv/x' }, aws: { instance_arn: arnOf('pg-iam') } });
    expect(parsed.error?.issues.map((i) => i.message)).toContain('"iam" users have no password, so it cannot be combined with vault_provider, rotate_passwords (IAM authentication is an RDS feature)');
  });
});
