import { randomBytes, randomUUID } from 'node:crypto';
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import pg from 'pg';
import { DefaultAwsAccess } from '../../lambdas/core/aws/access.ts';
import { failUnfinishedJob } from '../../lambdas/core/end-job.ts';
import { PROVISIONERS } from '../../lambdas/core/engines/index.ts';
import type { ProvisionerSession, RoleProvisioner } from '../../lambdas/core/engines/types.ts';
import { jobDbArn, JobRequestSchema, newJob, type Job } from '../../lambdas/core/job.ts';
import { generatePassword } from '../../lambdas/core/password.ts';
import { LocalKeyCipher } from '../../lambdas/core/secrets/cipher.ts';
import { DatabaseRoleSecretStore } from '../../lambdas/core/secrets/database-store.ts';
import { SecretStores } from '../../lambdas/core/secrets/secret-stores.ts';
import type { RoleSecretStore, SecretStoreChoice } from '../../lambdas/core/secrets/types.ts';
import type { WorkflowDeps } from '../../lambdas/core/steps/deps.ts';
import { DynamoConnectionStore } from '../../lambdas/core/store/connection-store.ts';
import { DynamoCredentialStore } from '../../lambdas/core/store/credential-store.ts';
import { createDocumentClient } from '../../lambdas/core/store/dynamo.ts';
import { DynamoJobStore } from '../../lambdas/core/store/job-store.ts';
import { DynamoLockStore } from '../../lambdas/core/store/lock-store.ts';
import { TASK_IMPLEMENTATIONS } from '../../lambdas/shared/all-tasks.ts';
import { TASKS, type TaskName } from '../../lambdas/shared/task-registry.ts';
import { ensureTable, LOCAL_AWS_CREDENTIALS, startDynalite, type EmbeddedDynamo } from '../../local/embedded-dynamodb.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../local/embedded-postgres.ts';
import { LocalWorkflowRunner, type TaskHandlers } from '../../local/workflow-runner.ts';
import { BASE_ACCOUNT, FakeRds, mockSts, rdsInstance } from './fake-aws.ts';
import { pgRun, pgTry } from './pg.ts';
import { ALL_AWS_CLIENTS } from '../../lambdas/core/aws/clients/all.ts';

/** Where a fault is injected: a throw just before or just after a side effect, or a process kill after a task. */
export type FaultPoint = { readonly kind: 'throw'; readonly effect: string; readonly when: 'before' | 'after' } | { readonly kind: 'kill'; readonly afterTask: TaskName };

const EFFECTS = [
  'rds.modify',
  'ec2.create-security-group',
  'ec2.authorize-ingress',
  'master.write-pending',
  'master.promote',
  'role.write-pending',
  'role.promote',
  'db.ensure-user',
  'db.grant',
  'connections.upsert',
  'webhook.send',
] as const;

/** Every fault point: each side effect of every task, before and after, and a kill after each task of the main path. */
export const FAULT_POINTS: FaultPoint[] = [
  ...EFFECTS.flatMap((effect) => (['before', 'after'] as const).map((when) => ({ kind: 'throw' as const, effect, when }))),
  ...(['Prepare', 'EnsureSecurityGroup', 'MasterCredentials', 'CheckMasterApplied', 'ProvisionRole', 'Finalize', 'RunHook'] as const).map((afterTask) => ({ kind: 'kill' as const, afterTask })),
];

export const describePoint = (p: FaultPoint) => (p.kind === 'kill' ? `kill after ${p.afterTask}` : `throw ${p.when} ${p.effect}`);

export interface PointResult {
  readonly point: string;
  readonly phase: Job['status']['phase'];
  readonly jobLeftRunning: boolean;
  /** Passwords dbroles changed and no longer holds a working copy of. */
  readonly passwordsLost: string[];
  readonly rerunCompleted: boolean;
}

const MASTER = 'fault_master';
const DATABASES = ['app1', 'app2'];
const INSTANCE = 'pg-fault';
const ARN = `arn:aws:rds:us-east-1:${BASE_ACCOUNT}:db:${INSTANCE}`;

/** One-shot faults: the armed point throws the first time it is reached, then the retry goes through, as a transient failure would. */
class Faults {
  armed: FaultPoint | undefined;
  fired = false;

  hit(effect: string, when: 'before' | 'after'): void {
    const a = this.armed;
    if (a?.kind === 'throw' && !this.fired && a.effect === effect && a.when === when) {
      this.fired = true;
      throw new Error(`injected fault: ${when} ${effect}`);
    }
  }

  async around<T>(effect: string, run: () => Promise<T>): Promise<T> {
    this.hit(effect, 'before');
    const result = await run();
    this.hit(effect, 'after');
    return result;
  }
}

/**
 * A password-checking PostgreSQL behind a fake RDS that really applies master resets, a fake EC2,
 * dynalite, and the real task code run by the local state machine, with a fault point around every
 * side effect. Each point runs one faulty job (security group, forced master reset, rotation,
 * resource roles, webhook), checks the invariants, then a clean rerun.
 */
export class FaultLab {
  private readonly faults = new Faults();
  private constructor(
    private readonly server: EmbeddedServer,
    private readonly dynamo: EmbeddedDynamo,
    private readonly rds: FakeRds,
    private readonly restore: () => void,
    readonly deps: WorkflowDeps,
    private readonly key: Buffer,
  ) {}

  static async start(): Promise<FaultLab> {
    const [server, dynamo] = await Promise.all([startEmbeddedPostgres(), startDynalite()]);
    const superuser = (database = 'postgres') => ({ host: '127.0.0.1', port: server.port, user: server.user, password: server.password, database });
    await pgRun(superuser(), [`CREATE ROLE ${MASTER} LOGIN CREATEROLE PASSWORD 'initial-${randomBytes(4).toString('hex')}'`, ...DATABASES.map((d) => `CREATE DATABASE ${d} OWNER ${MASTER}`)]);
    for (const d of DATABASES) await pgRun(superuser(d), [`ALTER SCHEMA public OWNER TO ${MASTER}`, `CREATE TABLE public.t (id int)`, `ALTER TABLE public.t OWNER TO ${MASTER}`]);
    const table = 'faults';
    await ensureTable(dynamo.endpoint, table);
    const sts = mockSts();
    const ec2 = mockClient(EC2Client);
    const rds = new FakeRds(async (holder, password) => {
      await pgRun(superuser(), [`ALTER ROLE ${pg.escapeIdentifier(holder.instance?.MasterUsername ?? '')} PASSWORD ${pg.escapeLiteral(password)}`]);
    }, 50);
    rds.instances.set(INSTANCE, rdsInstance({ id: INSTANCE, engine: 'postgres', host: '127.0.0.1', port: server.port, masterUser: MASTER, dbName: 'app1' }));
    const key = randomBytes(32);
    const doc = createDocumentClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: LOCAL_AWS_CREDENTIALS });
    const cipher = new LocalKeyCipher(key);
    const lab: { current?: FaultLab } = {};
    const faults = () => (lab.current as FaultLab).faults;
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    ec2.on(CreateSecurityGroupCommand).callsFake(() => {
      faults().hit('ec2.create-security-group', 'before');
      const out = { GroupId: 'sg-0hoop' };
      faults().hit('ec2.create-security-group', 'after');
      return out;
    });
    ec2.on(AuthorizeSecurityGroupIngressCommand).callsFake(() => {
      faults().hit('ec2.authorize-ingress', 'before');
      faults().hit('ec2.authorize-ingress', 'after');
      return {};
    });
    rds.onModify = (when) => faults().hit('rds.modify', when);

    const credentials = new DynamoCredentialStore(doc, table, cipher);
    const faultyCredentials = Object.assign(Object.create(credentials) as DynamoCredentialStore, {
      writePendingMaster: (...args: Parameters<DynamoCredentialStore['writePendingMaster']>) => faults().around('master.write-pending', () => credentials.writePendingMaster(...args)),
      promotePendingMaster: (...args: Parameters<DynamoCredentialStore['promotePendingMaster']>) => faults().around('master.promote', () => credentials.promotePendingMaster(...args)),
    });
    const database = new DatabaseRoleSecretStore(doc, table, cipher);
    const secretStores = new (class extends SecretStores {
      override open(choice: SecretStoreChoice): RoleSecretStore {
        const store = super.open(choice);
        return Object.assign(Object.create(store) as RoleSecretStore, {
          writePending: (...args: Parameters<RoleSecretStore['writePending']>) => faults().around('role.write-pending', () => store.writePending(...args)),
          promote: (...args: Parameters<RoleSecretStore['promote']>) => faults().around('role.promote', () => store.promote(...args)),
        });
      }
    })({ database });
    const real = PROVISIONERS.postgres;
    const postgres: RoleProvisioner = {
      ...real,
      connect: async (target, stats) => {
        const session = await real.connect(target, stats);
        const wrapped: ProvisionerSession = {
          server: session.server,
          listDatabases: () => session.listDatabases(),
          ensureUser: (user) => faults().around('db.ensure-user', () => session.ensureUser(user)),
          grantInDatabase: (d, user) => faults().around('db.grant', () => session.grantInDatabase(d, user)),
          changeOwnPassword: (p) => session.changeOwnPassword(p),
          doneWith: (d) => session.doneWith?.(d) ?? Promise.resolve(),
          close: () => session.close(),
        };
        return wrapped;
      },
    };
    const connections = new DynamoConnectionStore(doc, table);
    const deps: WorkflowDeps = {
      jobs: new DynamoJobStore(doc, table),
      credentials: faultyCredentials,
      secretStores,
      locks: new DynamoLockStore(doc, table),
      connections: Object.assign(Object.create(connections) as DynamoConnectionStore, {
        upsert: (...args: Parameters<DynamoConnectionStore['upsert']>) => faults().around('connections.upsert', () => connections.upsert(...args)),
      }),
      aws: new DefaultAwsAccess({ clients: ALL_AWS_CLIENTS, credentials: LOCAL_AWS_CREDENTIALS }),
      provisioners: { ...PROVISIONERS, postgres },
      verifiers: {},
      webhook: { send: (job) => faults().around('webhook.send', async () => ({ sent: true, message: `delivered ${job.id}` })) },
      hookRunner: { run: async () => ({ exit_code: 0, output: '', dropped_bytes: 0, execution_time_sec: 0 }) },
      clock: () => new Date(),
      generatePassword,
      config: { orgId: 'org', gatewayHost: 'dbroles.test', lockLeaseSeconds: 600, masterCheckMaxAttempts: 40, dbTls: 'off', connectTimeoutSeconds: 5, hookTimeoutSeconds: 5 },
    };
    lab.current = new FaultLab(server, dynamo, rds, () => {
      sts.restore();
      ec2.restore();
      rds.mock.restore();
    }, deps, key);
    return lab.current;
  }

  async stop(): Promise<void> {
    this.restore();
    await Promise.all([this.server.stop(), this.dynamo.stop()]);
  }

  private superuser(database = 'postgres') {
    return { host: '127.0.0.1', port: this.server.port, user: this.server.user, password: this.server.password, database };
  }

  private async logsIn(user: string, password: string | undefined): Promise<boolean> {
    return password !== undefined && (await pgTry({ ...this.superuser('app1'), user, password }, ['SELECT 1'])).ok;
  }

  /** Runs one job to its end; `kill` aborts the execution right after that task, as a dead process would. */
  private async runJob(id: string, kill?: TaskName): Promise<void> {
    const inFlight = new Set<Promise<unknown>>();
    const execution: { abort?: () => void } = {};
    let killed = false;
    const handlers = Object.fromEntries(
      TASKS.map((name) => [
        name,
        async (input: unknown) => {
          if (killed) throw new Error('the process is dead');
          const run = TASK_IMPLEMENTATIONS[name](input, this.deps);
          inFlight.add(run);
          try {
            const out = await run;
            if (kill === name && !killed) {
              killed = true;
              execution.abort?.();
            }
            return out;
          } finally {
            inFlight.delete(run);
          }
        },
      ]),
    ) as TaskHandlers;
    const started = new LocalWorkflowRunner(handlers, { waitMs: 20, retryMs: 5 }).start(id);
    execution.abort = started.abort;
    await started.done;
    await Promise.allSettled([...inFlight]);
    if (killed) {
      // What restarts and the sweep do with a job whose process died: end it as failed.
      await failUnfinishedJob(id, 'the process running this job died; run the job again', this.deps);
    }
    await this.rds.settled();
  }

  private async newJob(securityGroup: boolean): Promise<string> {
    const id = randomUUID();
    const request = JobRequestSchema.parse({
      connection_prefix_name: 'faults',
      job_steps: ['create-connections', 'send-webhook'],
      rotate_passwords: true,
      aws: { instance_arn: ARN, ...(securityGroup ? { default_security_group: { ingress_cidr: '10.0.0.1/32' } } : {}) },
    });
    await this.deps.jobs.create({ job: newJob({ id, orgId: 'org', dbArn: jobDbArn(request), now: new Date() }), request });
    return id;
  }

  /** Passwords dbroles changed and cannot log in with: the master (when this run modified it) and every current role password. */
  private async lostPasswords(masterModified: boolean): Promise<string[]> {
    const lost: string[] = [];
    const master = await this.deps.credentials.getMaster(ARN, MASTER);
    if (masterModified && !(await this.logsIn(MASTER, master?.current)) && !(await this.logsIn(MASTER, master?.pending))) lost.push('master');
    const store = new DatabaseRoleSecretStore(createDocumentClient({ endpoint: this.dynamo.endpoint, region: 'us-east-1', credentials: LOCAL_AWS_CREDENTIALS }), 'faults', new LocalKeyCipher(this.key));
    for (const tier of ['ro', 'rw', 'ddl']) {
      const user = `hoop_${tier}`;
      const current = await store.readCurrent({ resourceKey: ARN, user } as never);
      if (current && !(await this.logsIn(user, current.password))) lost.push(user);
    }
    return lost;
  }

  /** The faulty job at `point`, the invariants after it, then a clean rerun. */
  async runPoint(point: FaultPoint): Promise<PointResult> {
    // The operator reset the master behind dbroles' back, so this job must reset it through RDS;
    // and the security group is detached, so it must be attached again.
    await pgRun(this.superuser(), [`ALTER ROLE ${MASTER} PASSWORD '${`operator-${randomBytes(6).toString('hex')}`}'`]);
    const instance = this.rds.instances.get(INSTANCE);
    if (instance) instance.VpcSecurityGroups = [{ VpcSecurityGroupId: 'sg-0default', Status: 'active' }];
    const modifiesBefore = this.rds.modifyCalls.filter((c) => c.password).length;
    this.faults.armed = point;
    this.faults.fired = false;
    const id = await this.newJob(true);
    try {
      await this.runJob(id, point.kind === 'kill' ? point.afterTask : undefined);
    } finally {
      this.faults.armed = undefined;
    }
    const { job } = await this.deps.jobs.get(id);
    const masterModified = this.rds.modifyCalls.filter((c) => c.password).length > modifiesBefore;
    const passwordsLost = await this.lostPasswords(masterModified);
    const rerun = await this.newJob(false);
    await this.runJob(rerun);
    const after = (await this.deps.jobs.get(rerun)).job;
    const lostAfterRerun = await this.lostPasswords(true);
    return {
      point: describePoint(point),
      phase: job.status.phase,
      jobLeftRunning: job.status.phase === 'running',
      passwordsLost: [...passwordsLost, ...lostAfterRerun.map((u) => `${u} (after the rerun)`)],
      rerunCompleted: after.status.phase === 'completed',
    };
  }
}

/** The bench's closing line. */
export function faultSummary(results: ReadonlyArray<PointResult>): string {
  const running = results.filter((r) => r.jobLeftRunning).length;
  const lost = results.reduce((n, r) => n + r.passwordsLost.length, 0);
  const reruns = results.filter((r) => r.rerunCompleted).length;
  return `fault points: ${results.length}, jobs left running: ${running}, passwords lost: ${lost}, reruns completed: ${reruns}/${results.length}`;
}
