import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { arnOf, createJob, credentials, INITIAL_MASTER_PASSWORD, MASTER, rds, roleSecrets, runJob, setUpWorkflowHarness, sql, superuser } from './harness.ts';
import { rdsInstance } from '../support/fake-aws.ts';
import { pgTry } from '../support/pg.ts';

setUpWorkflowHarness();

const secretArn = (name: string) => `arn:aws:secretsmanager:us-east-1:111111111111:secret:rds!${name}`;
const secretsManager = mockClient(SecretsManagerClient);

/** An RDS instance on the harness's PostgreSQL, whose master password RDS may keep in a managed secret. */
function instance(id: string, managedSecret?: string) {
  rds.instances.set(id, {
    ...rdsInstance({ id, engine: 'postgres', host: '127.0.0.1', port: superuser().port, masterUser: MASTER, dbName: 'app1' }),
    ...(managedSecret ? { MasterUserSecret: { SecretArn: managedSecret, SecretStatus: 'active', KmsKeyId: 'arn:aws:kms:us-east-1:111111111111:key/rds' } } : {}),
  });
}

beforeAll(() => {
  // RDS's own secret holds the master password the harness's server really has.
  secretsManager.on(GetSecretValueCommand, { SecretId: secretArn('db-managed') }).resolves({ SecretString: JSON.stringify({ username: MASTER, password: INITIAL_MASTER_PASSWORD }) });
  secretsManager
    .on(GetSecretValueCommand, { SecretId: secretArn('db-denied') })
    .rejects(Object.assign(new Error('User: arn:aws:sts::111111111111:assumed-role/x is not authorized to perform: secretsmanager:GetSecretValue'), { name: 'AccessDeniedException' }));
  secretsManager
    .on(GetSecretValueCommand, { SecretId: secretArn('db-kms') })
    .rejects(Object.assign(new Error('Access to KMS is not allowed'), { name: 'AccessDeniedException' }));
});

describe('master access without a reset, run locally with the real task handlers', () => {
  it('uses an RDS-managed master secret: no Modify, no copy stored, the source recorded, the users provisioned', async () => {
    instance('pg-managed', secretArn('db-managed'));
    await rds.settled();
    const modifies = rds.modifyCalls.length;
    const { outcome, job } = await runJob(await createJob({ aws: { instance_arn: arnOf('pg-managed') }, connection_prefix_name: 'managed' }));
    expect(outcome.status, job.status.message).toBe('SUCCEEDED');
    expect(job.status.phase, job.status.message).toBe('completed');
    expect(job.master_source).toBe('rds-managed-secret');
    expect(job.steps.MasterCredentials?.message).toBe(`master from the RDS-managed secret ${secretArn('db-managed')}`);
    expect(rds.modifyCalls).toHaveLength(modifies);
    expect(await credentials().getMaster(arnOf('pg-managed'), MASTER)).toBeUndefined();
    expect(JSON.stringify(job)).not.toContain(INITIAL_MASTER_PASSWORD);
    const ro = await roleSecrets().read(`${arnOf('pg-managed')}/hoop_ro`);
    expect(await pgTry({ ...superuser('app1'), user: 'hoop_ro', password: ro.password }, ['SELECT * FROM sales.orders'])).toEqual({ ok: true });
    // The master password is the one it was: nothing reset it.
    expect(await pgTry({ ...superuser('app1'), user: MASTER, password: INITIAL_MASTER_PASSWORD }, ['SELECT 1'])).toEqual({ ok: true });
  });

  it.each([
    ['db-denied', /secretsmanager:GetSecretValue on arn:aws:secretsmanager:us-east-1:111111111111:secret:rds!db-denied/],
    ['db-kms', /kms:Decrypt on the secret's KMS key, through Secrets Manager/],
  ])('fails, naming the secret and the missing permission, when the managed secret %s cannot be read, and never falls back to a reset', async (name, permission) => {
    const id = `pg-${name}`;
    instance(id, secretArn(name));
    const modifies = rds.modifyCalls.length;
    const { job } = await runJob(await createJob({ aws: { instance_arn: arnOf(id) } }));
    expect(job.status.phase).toBe('failed');
    expect(job.status.message).toContain(secretArn(name));
    expect(job.status.message).toMatch(permission);
    expect(job.status.message).toMatch(/dbroles does not reset a managed master password/);
    expect(rds.modifyCalls).toHaveLength(modifies);
  });

  it('with master_reset "never": fails saying how to give access, then succeeds once aws.master_password is given, without a Modify', async () => {
    instance('pg-never');
    const modifies = rds.modifyCalls.length;
    const refused = await runJob(await createJob({ aws: { instance_arn: arnOf('pg-never'), master_reset: 'never' } }));
    expect(refused.job.status.phase).toBe('failed');
    expect(refused.job.status.message).toMatch(/master_reset is "never", so it is not reset/);
    expect(refused.job.status.message).toMatch(/RDS manage the master password in Secrets Manager \(ManageMasterUserPassword\), or give it once as "aws.master_password"/);
    expect(rds.modifyCalls).toHaveLength(modifies);

    const id = await createJob({ aws: { instance_arn: arnOf('pg-never'), master_reset: 'never' }, connection_prefix_name: 'never' });
    // What POST /api/dbroles/jobs does with aws.master_password: stored encrypted at once, apart from the job.
    await credentials().putOfferedMaster(id, INITIAL_MASTER_PASSWORD);
    const given = await runJob(id);
    expect(given.job.status.phase, given.job.status.message).toBe('completed');
    expect(given.job.master_source).toBe('stored');
    expect(rds.modifyCalls).toHaveLength(modifies);
    expect((await credentials().getMaster(arnOf('pg-never'), MASTER))?.current).toBe(INITIAL_MASTER_PASSWORD);
    expect(await credentials().getOfferedMaster(id)).toBeUndefined();
  });

  it('with master_reset "if-needed" (the default): resets through RDS and says so', async () => {
    instance('pg-reset');
    const modifies = rds.modifyCalls.length;
    try {
      const { job } = await runJob(await createJob({ aws: { instance_arn: arnOf('pg-reset') } }));
      expect(job.status.phase, job.status.message).toBe('completed');
      expect(job.master_source).toBe('reset');
      expect(rds.modifyCalls.length).toBe(modifies + 1);
    } finally {
      // The other tests (in any order) find the server's master password as it was.
      await rds.settled();
      await sql([`ALTER ROLE ${MASTER} PASSWORD '${INITIAL_MASTER_PASSWORD}'`]);
    }
  });
});
