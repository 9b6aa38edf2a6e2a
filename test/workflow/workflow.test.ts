import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import pg from 'pg';
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { renderWorkflowAsl } from '../../lib/workflow.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobDbArn, JobRequestSchema, newJob, type Job, type JobRequest } from '../../lambdas/core/job.ts';
import { LocalKeyCipher } from '../../lambdas/core/secrets/cipher.ts';
import { DatabaseRoleSecretStore } from '../../lambdas/core/secrets/database-store.ts';
import { DynamoConnectionStore } from '../../lambdas/core/store/connection-store.ts';
import { DynamoCredentialStore } from '../../lambdas/core/store/credential-store.ts';
import { createDocumentClient } from '../../lambdas/core/store/dynamo.ts';
import { DynamoJobStore } from '../../lambdas/core/store/job-store.ts';
import { masterCredentialKey } from '../../lambdas/core/store/keys.ts';
import { DynamoLockStore } from '../../lambdas/core/store/lock-store.ts';
import { ensureTable, LOCAL_AWS_CREDENTIALS, startDynalite, type EmbeddedDynamo } from '../../local/embedded-dynamodb.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../local/embedded-postgres.ts';
import { lambdaTaskHandlers } from '../../local/lambda-handlers.ts';
import { LocalWorkflowRunner } from '../../local/workflow-runner.ts';
import { BASE_ACCOUNT, BASE_ARN, FakeRds, mockSts, rdsInstance } from '../support/fake-aws.ts';
import { mockHookRunnerLambda } from '../support/hook-runner-lambda.ts';
import { pgRun, pgTry } from '../support/pg.ts';
import { startSvixCapture, type SvixCapture } from '../support/svix-capture.ts';

const TABLE = 'dbroles-test';
const MASTER = 'rds_master';
const INITIAL_MASTER_PASSWORD = 'initial-master-password';
const arnOf = (id: string) => `arn:aws:rds:us-east-1:${BASE_ACCOUNT}:db:${id}`;

let server: EmbeddedServer;
let dynamo: EmbeddedDynamo;
let svix: SvixCapture;
let rds: FakeRds;
let ec2: AwsClientStub<EC2Client>;
let runner: LocalWorkflowRunner;
const key = randomBytes(32);
const doc = () => createDocumentClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: LOCAL_AWS_CREDENTIALS });
const jobs = () => new DynamoJobStore(doc(), TABLE);
const credentials = () => new DynamoCredentialStore(doc(), TABLE, new LocalKeyCipher(key));
const roleSecrets = () => new DatabaseRoleSecretStore(doc(), TABLE, new LocalKeyCipher(key));
const superuser = (database = 'postgres') => ({ host: '127.0.0.1', port: server.port, user: server.user, password: server.password, database });

const sql = (statements: string[], login = superuser()) => pgRun(login, statements);

async function createJob(request: Partial<JobRequest> & { aws: JobRequest['aws'] }): Promise<string> {
  const id = randomUUID();
  const parsed = JobRequestSchema.parse({ connection_prefix_name: 'pg-one', job_steps: ['create-connections', 'send-webhook'], ...request });
  await jobs().create({ job: newJob({ id, orgId: 'org-test', dbArn: jobDbArn(parsed), now: new Date() }), request: parsed });
  return id;
}

/** The states each run entered, for the check that every Choice branch ran. */
const runs: string[][] = [];

async function runJob(id: string, r: LocalWorkflowRunner = runner) {
  const outcome = await r.start(id).done;
  runs.push(outcome.states);
  const record = await jobs().get(id);
  return { outcome, job: record.job };
}

type FirstJob = Awaited<ReturnType<typeof runJob>> & {
  modifyCalls: FakeRds['modifyCalls'];
  master: Awaited<ReturnType<DynamoCredentialStore['getMaster']>>;
  masterLogin: Awaited<ReturnType<typeof pgTry>>;
  initialLogin: Awaited<ReturnType<typeof pgTry>>;
};
let firstJob: Promise<FirstJob> | undefined;
/**
 * The first job on pg-one: a security group and a master reset through RDS. Run once, by whichever
 * test needs it first, so no test depends on another having run before it.
 */
const provisionPgOne = () =>
  // No stored master, whatever ran before: this job takes the reset path (Modify, then the wait loop).
  (firstJob ??= rds
    .settled()
    .then(() => doc().send(new DeleteCommand({ TableName: TABLE, Key: masterCredentialKey(arnOf('pg-one'), MASTER) })))
    .then(() => createJob({ aws: { instance_arn: arnOf('pg-one'), default_security_group: { ingress_cidr: '10.10.10.10/32', allow_public_ingress: false } } }))
    .then(async (id) => {
      const before = rds.modifyCalls.length;
      const run = await runJob(id);
      await rds.settled();
      // What this job left, whatever other tests do to the same instance later.
      const master = await credentials().getMaster(arnOf('pg-one'), MASTER);
      return {
        ...run,
        modifyCalls: rds.modifyCalls.slice(before),
        master,
        masterLogin: await pgTry({ ...superuser('app1'), user: MASTER, password: master?.current }, ['SELECT 1']),
        initialLogin: await pgTry({ ...superuser('app1'), user: MASTER, password: INITIAL_MASTER_PASSWORD }, ['SELECT 1']),
      };
    }));
/** A later job on pg-one, which finds the stored master and passwords. */
const reprovisionPgOne = async () => runJob(await createJob({ aws: { instance_arn: arnOf('pg-one') }, job_steps: [] }));

beforeAll(async () => {
  [server, dynamo, svix] = await Promise.all([startEmbeddedPostgres(), startDynalite(), startSvixCapture()]);
  await ensureTable(dynamo.endpoint, TABLE);
  await sql([
    `CREATE ROLE ${MASTER} LOGIN CREATEROLE PASSWORD '${INITIAL_MASTER_PASSWORD}'`,
    `ALTER DATABASE postgres OWNER TO ${MASTER}`,
    `CREATE DATABASE app1 OWNER ${MASTER}`,
    `CREATE DATABASE app2 OWNER ${MASTER}`,
  ]);
  for (const db of ['app1', 'app2']) {
    await sql(
      ['CREATE SCHEMA sales', 'CREATE TABLE sales.orders (id serial PRIMARY KEY, item text)', "INSERT INTO sales.orders (item) VALUES ('book')"],
      { host: '127.0.0.1', port: server.port, user: MASTER, password: INITIAL_MASTER_PASSWORD, database: db },
    );
  }
  Object.assign(process.env, {
    DBROLES_TABLE: TABLE,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    DBROLES_LOCAL_KEY: key.toString('base64'),
    DBROLES_ORG_ID: 'org-test',
    DBROLES_GATEWAY_HOST: 'dbroles.example.com',
    DB_TLS: 'off',
    INTEGRATION_AWS_INSTANCE_ROLE_ALLOW: 'true',
    MASTER_CHECK_MAX_ATTEMPTS: '40',
    SVIX_API_KEY: 'testsk_dbroles.capture',
    SVIX_SERVER_URL: svix.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    // The deployed hook path: RunHook fetches the seed's example script and invokes the Python runner Lambda.
    DBROLES_RUNBOOKS_DIR: fileURLToPath(new URL('../fixtures/runbooks', import.meta.url)),
    HOOK_RUNNER_FUNCTION_NAME: 'dbroles-hook-runner',
  });
  mockSts();
  mockHookRunnerLambda();
  ec2 = mockClient(EC2Client);
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
  ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-0hoop' });
  ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({});
  rds = new FakeRds(async (holder, password) => {
    const user = holder.instance?.MasterUsername ?? holder.cluster?.MasterUsername ?? '';
    await sql([`ALTER ROLE ${pg.escapeIdentifier(user)} PASSWORD ${pg.escapeLiteral(password)}`]);
  });
  const base = { engine: 'postgres', host: '127.0.0.1', port: server.port, masterUser: MASTER };
  rds.instances.set('pg-one', rdsInstance({ ...base, id: 'pg-one', dbName: 'app1', tags: { team: 'data' } }));
  rds.instances.set('ora-one', rdsInstance({ ...base, id: 'ora-one', engine: 'oracle-ee' }));
  rds.instances.set('pg-replica', rdsInstance({ ...base, id: 'pg-replica', replicaOf: 'pg-one' }));
  rds.instances.set('aurora-reader-1', rdsInstance({ ...base, id: 'aurora-reader-1', engine: 'aurora-postgresql', clusterId: 'aurora-c' }));
  rds.clusters.set('aurora-c', {
    DBClusterIdentifier: 'aurora-c',
    DBClusterArn: `arn:aws:rds:us-east-1:${BASE_ACCOUNT}:cluster:aurora-c`,
    Status: 'available',
    Engine: 'aurora-postgresql',
    Endpoint: '127.0.0.1',
    Port: server.port,
    MasterUsername: MASTER,
    DBClusterMembers: [
      { DBInstanceIdentifier: 'aurora-writer-1', IsClusterWriter: true },
      { DBInstanceIdentifier: 'aurora-reader-1', IsClusterWriter: false },
    ],
  });
  runner = new LocalWorkflowRunner(lambdaTaskHandlers, { waitMs: 50, retryMs: 10 });
}, 120_000);

afterAll(async () => {
  await Promise.all([server?.stop(), dynamo?.stop(), svix?.stop()]);
});

/** Every secret dbroles holds for pg-one right now. */
async function secretsOf(dbArn: string): Promise<string[]> {
  const store = credentials();
  const master = await store.getMaster(dbArn, MASTER);
  const roles = await Promise.all(['hoop_ro', 'hoop_rw', 'hoop_ddl'].map((u) => roleSecrets().read(`${dbArn}/${u}`).catch(() => undefined)));
  return [INITIAL_MASTER_PASSWORD, master?.current, master?.pending, ...roles.map((r) => r?.password)].filter((s): s is string => Boolean(s));
}

describe('the state machine, run locally with the real task handlers', () => {
  it('provisions an RDS PostgreSQL instance end to end: security group and master reset in one Modify, roles, resource roles, hook, webhook', async () => {
    const { outcome, job, modifyCalls, master, masterLogin, initialLogin } = await provisionPgOne();
    expect(outcome.status, job.status.message).toBe('SUCCEEDED');
    const id = job.id;

    expect(job.org_id).toBe('org-test');
    expect(job.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(job.completed_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(job.spec).toEqual({ account_arn: BASE_ARN, db_arn: arnOf('pg-one'), db_name: 'app1', db_engine: 'postgres', db_tags: [{ key: 'team', value: 'data' }] });
    expect(job.status.phase).toBe('completed');
    expect(job.status.message).toBe('All user roles have been successfully provisioned');
    expect(job.status.result.map((r) => [r.user_role, r.role_suffix_name, r.status, r.message])).toEqual([
      ['hoop_ro', 'ro', 'completed', ''],
      ['hoop_rw', 'rw', 'completed', ''],
      ['hoop_ddl', 'ddl', 'completed', ''],
    ]);
    for (const r of job.status.result) {
      expect(r.credentials_info).toEqual({ secrets_manager_provider: 'database', secret_id: `${arnOf('pg-one')}/${r.user_role}`, secret_keys: [] });
      expect(r.database_counts).toEqual({ total: 3, completed: 3, failed: 0 });
      expect(new Date(r.completed_at).getTime()).toBeGreaterThan(0);
    }
    // The outcome per database is in its own items, paged, never in the state machine.
    const outcomes = await jobs().listDatabaseOutcomes(id, 100);
    expect(outcomes.items.map((o) => `${o.user_role}:${o.database}:${o.status}`)).toEqual(
      ['hoop_ddl', 'hoop_ro', 'hoop_rw'].flatMap((u) => ['app1', 'app2', 'postgres'].map((d) => `${u}:${d}:completed`)),
    );
    for (const step of ['Prepare', 'EnsureSecurityGroup', 'MasterCredentials', 'WaitMasterApplied', 'ProvisionRole:ro', 'ProvisionRole:rw', 'ProvisionRole:ddl', 'Finalize', 'RunHook', 'Notify']) {
      expect(job.steps[step]?.status, step).toBe('completed');
    }
    expect(ec2.commandCalls(CreateSecurityGroupCommand)[0]?.args[0].input).toMatchObject({ GroupName: 'hoop-aws-connect-sg-pg-one', VpcId: 'vpc-0abc' });
    expect(job.webhook).toEqual({ sent: true, message: expect.stringMatching(/^sent as Svix message msg_\d+$/) });

    // One Modify set the password and attached the group (RDS refuses a second while the first applies),
    // RDS said "resetting" before "available", and dbroles holds the live password.
    await rds.settled();
    expect(modifyCalls).toEqual([{ kind: 'instance', id: 'pg-one', password: expect.any(String), securityGroupIds: ['sg-0default', 'sg-0hoop'] }]);
    expect(rds.instances.get('pg-one')?.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId)).toEqual(['sg-0default', 'sg-0hoop']);
    expect(rds.statusSeen).toContain('resetting-master-credentials');
    expect(master?.pending).toBeUndefined();
    expect(master?.current).toBe(modifyCalls[0]?.password);
    expect(masterLogin).toEqual({ ok: true });
    expect(initialLogin.ok).toBe(false);

    // The users work as their tier, with the passwords dbroles stored.
    const login = async (user: string) => ({ ...superuser('app2'), user, password: (await roleSecrets().read(`${arnOf('pg-one')}/${user}`)).password });
    expect(await pgTry(await login('hoop_ro'), ['SELECT * FROM sales.orders'])).toEqual({ ok: true });
    expect(await pgTry(await login('hoop_ro'), ['BEGIN READ WRITE', "INSERT INTO sales.orders (item) VALUES ('x')"])).toMatchObject({ ok: false, code: '42501' });
    expect(await pgTry(await login('hoop_rw'), ["INSERT INTO sales.orders (item) VALUES ('rw')"])).toEqual({ ok: true });
    expect(await pgTry(await login('hoop_ddl'), ['CREATE TABLE sales.t (id int)', 'DROP TABLE sales.t'])).toEqual({ ok: true });

    // Resource roles reference the stored credentials.
    const connections = (await new DynamoConnectionStore(doc(), TABLE).list()).filter((c) => c.name.startsWith('pg-one-'));
    expect(connections.map((c) => c.name).sort()).toEqual(['pg-one-ddl', 'pg-one-ro', 'pg-one-rw']);
    for (const c of connections) {
      expect(c.tags).toEqual({ 'hoop.dev/aws-connect.dbarn': arnOf('pg-one') });
      expect(c.env.PASS).toEqual({ secret_ref: { provider: 'database', secret_id: `${arnOf('pg-one')}/hoop_${c.role_suffix_name}` } });
      expect(c.env.USER).toEqual({ value: `hoop_${c.role_suffix_name}` });
    }

    // The webhook carried the job object.
    // This job's webhook (other tests send theirs to the same capture).
    const messages = svix.messages().filter((m) => (m.payload.event_payload as { id?: string }).id === id);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.eventType).toBe('dbroles.job.finished');
    expect(messages[0]?.payload.event_type).toBe('dbroles.job.finished');
    const payload = messages[0]?.payload.event_payload as Job;
    expect(payload.id).toBe(id);
    expect(payload.spec).toEqual(job.spec);
    expect(payload.status).toEqual(job.status);
    expect(payload.completed_at).toBe(job.completed_at);
    // The seed's example hook ran after Finalize and before Notify: on the job and in the webhook.
    expect(job.hook_status?.exit_code, job.hook_status?.output).toBe(0);
    expect(job.hook_status?.output).toContain('credentials role password -> REDACTED');
    expect(payload.hook_status).toEqual(job.hook_status);
    expect(payload.status.result.map((r) => r.credentials_info)).toEqual(
      ['ro', 'rw', 'ddl'].map((t) => ({ secrets_manager_provider: 'database', secret_id: `${arnOf('pg-one')}/hoop_${t}`, secret_keys: [] })),
    );
    expect(svix.requests.filter((r) => /\/msg/.test(r.path)).every((r) => /^\/api\/v1\/app\/org-test\/msg\b/.test(r.path))).toBe(true);

    // No secret anywhere a user or a webhook can see.
    const visible = JSON.stringify([await jobs().get(id), svix.requests.map((r) => r.body), connections]);
    for (const secret of await secretsOf(arnOf('pg-one'))) expect(visible).not.toContain(secret);
  });

  it('reuses the stored master and user passwords on the next job instead of resetting them', async () => {
    await provisionPgOne();
    const before = rds.modifyCalls.length;
    const passwords = async () => Promise.all(['hoop_ro', 'hoop_rw', 'hoop_ddl'].map(async (u) => (await roleSecrets().read(`${arnOf('pg-one')}/${u}`)).password));
    const earlier = await passwords();
    const { outcome, job } = await reprovisionPgOne();
    expect(outcome.status, job.status.message).toBe('SUCCEEDED');
    expect(job.status.phase).toBe('completed');
    expect(rds.modifyCalls).toHaveLength(before);
    expect(job.steps.WaitMasterApplied).toBeUndefined();
    expect(job.steps.Notify).toMatchObject({ status: 'skipped' });
    expect(await passwords()).toEqual(earlier);
    expect(await pgTry({ ...superuser('app1'), user: 'hoop_ro', password: earlier[0] }, ['SELECT 1'])).toEqual({ ok: true });
  });

  it('recovers from a crash right after Modify and before promote with the pending password', async () => {
    // Forget the stored master, as a new deployment would: the next job must reset it.
    await doc().send(new DeleteCommand({ TableName: TABLE, Key: masterCredentialKey(arnOf('pg-one'), MASTER) }));
    let crashed = false;
    const crashing = new LocalWorkflowRunner(
      {
        ...lambdaTaskHandlers,
        MasterCredentials: async (input) => {
          const out = await lambdaTaskHandlers.MasterCredentials(input);
          if (!crashed) {
            crashed = true;
            const stored = await credentials().getMaster(arnOf('pg-one'), MASTER);
            expect(stored?.pending, 'written ahead before the crash').toBeTruthy();
            throw new Error('simulated crash after ModifyDBInstance');
          }
          return out;
        },
      },
      { waitMs: 50, retryMs: 10 },
    );
    const before = rds.modifyCalls.length;
    const id = await createJob({ aws: { instance_arn: arnOf('pg-one') }, job_steps: [] });
    const { outcome, job } = await runJob(id, crashing);
    expect(crashed).toBe(true);
    expect(outcome.status, job.status.message).toBe('SUCCEEDED');
    expect(job.status.phase).toBe('completed');
    await rds.settled();
    const passwords = rds.modifyCalls.slice(before).map((c) => c.password);
    expect(passwords.length).toBeGreaterThanOrEqual(1);
    expect(new Set(passwords).size, 'the retry reused the pending password').toBe(1);
    const master = await credentials().getMaster(arnOf('pg-one'), MASTER);
    expect(master?.current).toBe(passwords[0]);
    expect(master?.pending).toBeUndefined();
    expect(await pgTry({ ...superuser('app1'), user: MASTER, password: master?.current }, ['SELECT 1'])).toEqual({ ok: true });
  });

  it('completes the other roles when one fails, fails the job with the seed message, and creates resource roles only for the successes', async () => {
    await provisionPgOne();
    await sql(['ALTER ROLE hoop_ro SUPERUSER']);
    try {
      const id = await createJob({ aws: { instance_arn: arnOf('pg-one') }, connection_prefix_name: 'partial' });
      const { outcome, job } = await runJob(id);
      expect(outcome.status).toBe('SUCCEEDED');
      expect(job.status.phase).toBe('failed');
      expect(job.status.message).toBe('One or more user roles failed to be provisioned');
      const byTier = Object.fromEntries(job.status.result.map((r) => [r.role_suffix_name, r]));
      expect(byTier.ro).toMatchObject({ status: 'failed', credentials_info: null });
      expect(byTier.ro?.message).toMatch(/role "hoop_ro" already exists with SUPER/);
      expect(byTier.rw?.status).toBe('completed');
      expect(byTier.ddl?.status).toBe('completed');
      const names = (await new DynamoConnectionStore(doc(), TABLE).list()).map((c) => c.name).filter((n) => n.startsWith('partial-'));
      expect(names.sort()).toEqual(['partial-ddl', 'partial-rw']);
      expect(svix.messages().at(-1)?.payload.event_payload.id).toBe(id);
    } finally {
      await sql(['ALTER ROLE hoop_ro NOSUPERUSER']);
    }
  });

  it('turns a role task that keeps crashing into a failed result inside the Map, and finishes the job', async () => {
    const crashingRw = new LocalWorkflowRunner(
      {
        ...lambdaTaskHandlers,
        ProvisionRole: async (input) => {
          if ((input as { tier: string }).tier === 'rw') throw new TypeError('simulated Lambda crash');
          return lambdaTaskHandlers.ProvisionRole(input);
        },
      },
      { waitMs: 50, retryMs: 10 },
    );
    const id = await createJob({ aws: { instance_arn: arnOf('pg-one') }, job_steps: [] });
    const { outcome, job } = await runJob(id, crashingRw);
    expect(outcome.status).toBe('SUCCEEDED');
    expect(job.status.phase).toBe('failed');
    const rw = job.status.result.find((r) => r.role_suffix_name === 'rw');
    expect(rw).toMatchObject({ user_role: 'hoop_rw', status: 'failed', message: 'provisioning the rw user did not finish: TypeError', credentials_info: null });
    expect(new Date(rw?.completed_at ?? '').getTime()).toBeGreaterThan(0);
    expect(job.status.result.filter((r) => r.status === 'completed').map((r) => r.role_suffix_name)).toEqual(['ro', 'ddl']);
  });

  it('fails a second job on the same database fast, with a clear message, and still sends the webhook', async () => {
    const locks = new DynamoLockStore(doc(), TABLE);
    await locks.acquire(arnOf('pg-one'), 'job-already-running', 600, new Date());
    try {
      const id = await createJob({ aws: { instance_arn: arnOf('pg-one') } });
      const started = Date.now();
      const { outcome, job } = await runJob(id);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(outcome.status).toBe('FAILED');
      expect(job.status.phase).toBe('failed');
      expect(job.status.message).toMatch(/^database "arn:aws:rds:us-east-1:111111111111:db:pg-one" is being provisioned by job "job-already-running"/);
      expect(job.completed_at).not.toBeNull();
      expect(job.steps.Prepare?.status).toBe('failed');
      const last = svix.messages().at(-1)?.payload.event_payload;
      expect(last?.id).toBe(id);
      expect((last?.status as Job['status']).phase).toBe('failed');
      // The other job's lock is left alone.
      await expect(locks.acquire(arnOf('pg-one'), 'someone-else', 600, new Date())).rejects.toThrow(/job-already-running/);
    } finally {
      await locks.release(arnOf('pg-one'), 'job-already-running');
    }
  });

  it.each([
    ['ora-one', /^instance "ora-one" runs engine "oracle-ee", which dbroles does not support; supported: postgres, /],
    ['pg-replica', /^instance "pg-replica" is a read replica of "pg-one"; run the job on the source instance$/],
    ['aurora-reader-1', /^instance "aurora-reader-1" is a reader of cluster "aurora-c"; run the job on the writer instance "aurora-writer-1"$/],
  ])('refuses %s with a failed job and a clear message', async (instance, message) => {
    const id = await createJob({ aws: { instance_arn: arnOf(instance) } });
    const { outcome, job } = await runJob(id);
    expect(outcome.status).toBe('FAILED');
    expect(job.status.phase).toBe('failed');
    expect(job.status.message).toMatch(message);
    expect(job.spec.db_arn).toBe(arnOf(instance));
    expect(job.completed_at).not.toBeNull();
    // A job that failed before provisioning runs no hook, as in the product we replace.
    expect(job.hook_status).toBeNull();
    expect(job.steps.RunHook).toBeUndefined();
  });

  it('runs every branch of every Choice, so no rule the local runner misreads can hide a step', async () => {
    // The jobs that take each branch: a security group and a reset (the wait loop), then neither.
    await provisionPgOne();
    await reprovisionPgOne();
    const asl = renderWorkflowAsl() as { States: Record<string, { Type: string; Choices?: Array<{ Next: string }>; Default?: string }> };
    const choices = Object.entries(asl.States).filter(([, s]) => s.Type === 'Choice');
    expect(choices.map(([name]) => name).sort()).toEqual(['EngineFamily?', 'MasterAppliedMysql?', 'MasterAppliedPostgres?', 'MasterAppliedSqlServer?', 'SecurityGroupRequested?']);
    // These jobs run on PostgreSQL. The other families' branches are the same states with another
    // suffix (and the same rules): checked by shape, since no MySQL or SQL Server RDS runs here.
    const renamed = (family: string) =>
      JSON.stringify(Object.fromEntries(Object.entries(asl.States).filter(([name]) => name.includes(family)).map(([name, state]) => [name.replace(family, 'F'), state]))).replaceAll(family, 'F');
    expect(renamed('Mysql')).toBe(renamed('Postgres'));
    expect(renamed('SqlServer')).toBe(renamed('Postgres'));
    const engineFamily = asl.States['EngineFamily?'] as { Choices: Array<{ Next: string }>; Default: string };
    expect(engineFamily.Choices.map((c) => c.Next)).toEqual(['MasterCredentialsPostgres', 'MasterCredentialsMysql', 'MasterCredentialsSqlServer']);
    expect(asl.States[engineFamily.Default]).toMatchObject({ Type: 'Pass', Next: 'RecordFailure' });
    for (const [name, choice] of choices.filter(([name]) => !/Mysql|SqlServer/.test(name))) {
      const nexts = [...(choice.Choices ?? []).map((c) => c.Next), choice.Default ?? ''].filter((next) => name !== 'EngineFamily?' || next === 'MasterCredentialsPostgres');
      for (const next of nexts) {
        const taken = runs.some((states) => states.some((s, i) => s === name && states[i + 1] === next));
        expect(taken, `${name} → ${next} ran in some job`).toBe(true);
      }
    }
  });
});
