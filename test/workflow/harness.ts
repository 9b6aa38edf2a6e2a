/**
 * The workflow tests' world: the state machine run by the local runner with the real task handlers,
 * against an embedded PostgreSQL (which checks passwords), dynalite, a Svix capture and fake RDS/EC2.
 * Each test file that calls setUpWorkflowHarness() gets its own.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import pg from 'pg';
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { afterAll, beforeAll } from 'vitest';
import { jobDbArn, JobRequestSchema, newJob, type JobRequest } from '../../lambdas/core/job.ts';
import { LocalKeyCipher } from '../../lambdas/core/secrets/cipher.ts';
import { DatabaseRoleSecretStore } from '../../lambdas/core/secrets/database-store.ts';
import { DynamoCredentialStore } from '../../lambdas/core/store/credential-store.ts';
import { createDocumentClient } from '../../lambdas/core/store/dynamo.ts';
import { DynamoJobStore } from '../../lambdas/core/store/job-store.ts';
import { masterCredentialKey } from '../../lambdas/core/store/keys.ts';
import { ensureTable, LOCAL_AWS_CREDENTIALS, startDynalite, type EmbeddedDynamo } from '../../local/embedded-dynamodb.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../local/embedded-postgres.ts';
import { lambdaTaskHandlers } from '../../local/lambda-handlers.ts';
import { LocalWorkflowRunner } from '../../local/workflow-runner.ts';
import { BASE_ACCOUNT, FakeRds, mockSts, rdsInstance } from '../support/fake-aws.ts';
import { mockHookRunnerLambda } from '../support/hook-runner-lambda.ts';
import { pgRun, pgTry } from '../support/pg.ts';
import { startSvixCapture, type SvixCapture } from '../support/svix-capture.ts';

export const TABLE = 'dbroles-test';
export const MASTER = 'rds_master';
export const INITIAL_MASTER_PASSWORD = 'initial-master-password';
export const arnOf = (id: string) => `arn:aws:rds:us-east-1:${BASE_ACCOUNT}:db:${id}`;

export let server: EmbeddedServer;
export let dynamo: EmbeddedDynamo;
export let svix: SvixCapture;
export let rds: FakeRds;
export let ec2: AwsClientStub<EC2Client>;
export let runner: LocalWorkflowRunner;
const key = randomBytes(32);
export const doc = () => createDocumentClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: LOCAL_AWS_CREDENTIALS });
export const jobs = () => new DynamoJobStore(doc(), TABLE);
export const credentials = () => new DynamoCredentialStore(doc(), TABLE, new LocalKeyCipher(key));
export const roleSecrets = () => new DatabaseRoleSecretStore(doc(), TABLE, new LocalKeyCipher(key));
export const superuser = (database = 'postgres') => ({ host: '127.0.0.1', port: server.port, user: server.user, password: server.password, database });

export const sql = (statements: string[], login = superuser()) => pgRun(login, statements);

export async function createJob(request: Partial<JobRequest>): Promise<string> {
  const id = randomUUID();
  const parsed = JobRequestSchema.parse({ connection_prefix_name: 'pg-one', job_steps: ['create-connections', 'send-webhook'], ...request });
  await jobs().create({ job: newJob({ id, orgId: 'org-test', dbArn: jobDbArn(parsed), now: new Date() }), request: parsed });
  return id;
}

/** The states each run entered, for the check that every Choice branch ran. */
export const runs: string[][] = [];

export async function runJob(id: string, r: LocalWorkflowRunner = runner) {
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
export const provisionPgOne = () =>
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
export const reprovisionPgOne = async () => runJob(await createJob({ aws: { instance_arn: arnOf('pg-one') }, job_steps: [] }));

/** Starts what the workflow tests run on, for the calling test file: its own embedded PostgreSQL, dynalite and Svix capture. */
export function setUpWorkflowHarness(): void {
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
    rds.instances.set('pg-fresh', rdsInstance({ ...base, id: 'pg-fresh', dbName: 'app1' }));
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
}

/** Every secret dbroles holds for pg-one right now. */
export async function secretsOf(dbArn: string): Promise<string[]> {
  const store = credentials();
  const master = await store.getMaster(dbArn, MASTER);
  const roles = await Promise.all(['hoop_ro', 'hoop_rw', 'hoop_ddl'].map((u) => roleSecrets().read(`${dbArn}/${u}`).catch(() => undefined)));
  return [INITIAL_MASTER_PASSWORD, master?.current, master?.pending, ...roles.map((r) => r?.password)].filter((s): s is string => Boolean(s));
}

