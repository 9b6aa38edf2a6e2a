import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { apiDepsFrom, routeRequest, type ApiDeps } from '../lambdas/api/router.ts';
import type { WorkflowDeps } from '../lambdas/core/steps/deps.ts';
import { failUnfinishedJob } from '../lambdas/core/end-job.ts';
import { buildWorkflowDeps } from '../lambdas/shared/all-deps.ts';
import { WorkflowEnvSchema } from '../lambdas/shared/env.ts';
import { localTaskHandlers } from '../lambdas/shared/all-tasks.ts';
import { ensureTable, startDynalite } from './embedded-dynamodb.ts';
import { DEFAULT_PORT } from './defaults.ts';
import { UsageError } from '../lambdas/core/errors.ts';
import { createApiServer, MIN_TOKEN_LENGTH } from './http-adapter.ts';
import { LocalWorkflowRunner, type ExecutionOutcome } from './workflow-runner.ts';

const TABLE = 'dbroles';
export const INTERRUPTED_MESSAGE = 'the local dbroles runtime stopped while this job was running; run the job again';

export interface LocalRuntimeOptions {
  /** Where state, the key and the token live. */
  readonly dataDir: string;
  /** @default 8009; 0 picks a free port */
  readonly port?: number;
  /** @default DBROLES_TOKEN, else <dataDir>/token, else a new one written there */
  readonly token?: string;
  /** Environment for the workflow (SVIX_API_KEY, SVIX_SERVER_URL, DB_TLS, AWS_*...). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Milliseconds between master password checks. @default 1000 */
  readonly waitMs?: number;
}

export interface LocalRuntime {
  readonly url: string;
  readonly token: string;
  /** true when the token was generated at this start (print it once). */
  readonly tokenGenerated: boolean;
  /** Jobs found running at start and marked failed. */
  readonly interruptedJobs: string[];
  readonly deps: WorkflowDeps;
  /** Resolves when every execution started so far has ended. */
  idle(): Promise<void>;
  /** Stops serving; with `{ wait: false }` running executions are abandoned, as a crash would. */
  stop(options?: { wait?: boolean }): Promise<void>;
}

async function secretFile(path: string, make: () => string): Promise<{ value: string; created: boolean }> {
  try {
    const value = (await readFile(path, 'utf8')).trim();
    await chmod(path, 0o600);
    return { value, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const value = make();
    await writeFile(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
    return { value, created: true };
  }
}

/**
 * Ends, as failed, the jobs a previous process left running (no execution survives a restart):
 * each one's lock is released through the LockStore, its offered master password dropped and its
 * webhook sent, as the deployed sweep does.
 */
async function recoverInterruptedJobs(deps: WorkflowDeps): Promise<string[]> {
  const interrupted: string[] = [];
  let token: string | undefined;
  do {
    const page = await deps.jobs.listRunning(100, token);
    for (const id of page.ids) {
      if (await failUnfinishedJob(id, INTERRUPTED_MESSAGE, deps).catch(() => false)) interrupted.push(id);
    }
    token = page.nextToken;
  } while (token);
  return interrupted;
}

/**
 * dbroles in one process: the API handler over node:http on 127.0.0.1, the state machine run by
 * aws-local-stepfunctions, state in dynalite under the data dir (it survives a restart),
 * credentials encrypted with a local key file (0600), every request behind a bearer token, and
 * every read of credentials logged to <data dir>/audit.log.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const env = options.env ?? process.env;
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const key = await secretFile(join(options.dataDir, 'credentials.key'), () => randomBytes(32).toString('base64'));
  const explicitToken = options.token ?? env.DBROLES_TOKEN;
  if (explicitToken !== undefined && explicitToken.length < MIN_TOKEN_LENGTH) {
    throw new UsageError(`DBROLES_TOKEN (or --token) must be at least ${MIN_TOKEN_LENGTH} characters: any local process can try tokens against 127.0.0.1; leave it unset to have one generated`);
  }
  const token = explicitToken ? { value: explicitToken, created: false } : await secretFile(join(options.dataDir, 'token'), () => randomBytes(32).toString('base64url'));

  // On a unix socket in the 0700 data dir: no other local user and no web page can reach the store.
  const dynamo = await startDynalite({ path: join(options.dataDir, 'dynamodb'), socketPath: join(options.dataDir, 'dynamodb.sock') });
  await ensureTable(dynamo.endpoint, TABLE, dynamo.socketPath);
  const deps = buildWorkflowDeps(
    WorkflowEnvSchema.parse({
      DBROLES_TABLE: TABLE,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      DYNAMODB_SOCKET: dynamo.socketPath,
      DBROLES_LOCAL_KEY: key.value,
      DBROLES_ORG_ID: env.DBROLES_ORG_ID,
      DBROLES_GATEWAY_HOST: env.DBROLES_GATEWAY_HOST ?? 'localhost',
      // RDS (`aws` jobs) is always reached with verified TLS; local servers given directly are not.
      DB_TLS: env.DB_TLS ?? 'verify',
      DIRECT_DB_TLS: env.DIRECT_DB_TLS ?? 'off',
      DBROLES_RDS_CA_FILE: env.DBROLES_RDS_CA_FILE,
      MASTER_CHECK_MAX_ATTEMPTS: env.MASTER_CHECK_MAX_ATTEMPTS,
      CROSS_ACCOUNT_ROLE_NAME: env.CROSS_ACCOUNT_ROLE_NAME,
      CROSS_ACCOUNT_EXTERNAL_ID: env.CROSS_ACCOUNT_EXTERNAL_ID,
      INTEGRATION_AWS_INSTANCE_ROLE_ALLOW: env.INTEGRATION_AWS_INSTANCE_ROLE_ALLOW,
      DISCOVERY_REGIONS: env.DISCOVERY_REGIONS,
      SVIX_API_KEY: env.SVIX_API_KEY,
      SVIX_SERVER_URL: env.SVIX_SERVER_URL,
      VAULT_ADDR: env.VAULT_ADDR,
      VAULT_TOKEN: env.VAULT_TOKEN,
      VAULT_APP_ROLE_ID: env.VAULT_APP_ROLE_ID,
      VAULT_APP_ROLE_SECRET_ID: env.VAULT_APP_ROLE_SECRET_ID,
      VAULT_CACERT: env.VAULT_CACERT,
      VAULT_HTTP_REQ_TIMEOUT: env.VAULT_HTTP_REQ_TIMEOUT,
      // Secrets Manager is offered when the process could reach it: a region or a local endpoint.
      SECRETS_MANAGER_ENABLED:
        env.SECRETS_MANAGER_ENABLED ?? (env.AWS_ENDPOINT_URL_SECRETS_MANAGER || env.AWS_REGION || env.AWS_DEFAULT_REGION ? 'true' : 'false'),
      SECRETS_MANAGER_NAME_PREFIX: env.SECRETS_MANAGER_NAME_PREFIX,
      DBROLES_RUNBOOKS_GIT_URL: env.DBROLES_RUNBOOKS_GIT_URL,
      DBROLES_RUNBOOKS_GIT_BRANCH: env.DBROLES_RUNBOOKS_GIT_BRANCH,
      DBROLES_RUNBOOKS_GIT_TOKEN: env.DBROLES_RUNBOOKS_GIT_TOKEN,
      DBROLES_RUNBOOKS_DIR: env.DBROLES_RUNBOOKS_DIR,
      DBROLES_HOOK_TIMEOUT_SECONDS: env.DBROLES_HOOK_TIMEOUT_SECONDS,
      DBROLES_ALLOW_LINK_LOCAL: env.DBROLES_ALLOW_LINK_LOCAL,
    }),
  );
  const interruptedJobs = await recoverInterruptedJobs(deps);

  const handlers = localTaskHandlers(deps);
  const runner = new LocalWorkflowRunner(handlers, { waitMs: options.waitMs ?? 1000, retryMs: 500 });
  const running = new Set<Promise<ExecutionOutcome>>();
  let abandoning = false;
  const aborts = new Set<() => void>();
  // Each read of credentials: one JSON line in <data dir>/audit.log (0600), never the password.
  const auditFile = join(options.dataDir, 'audit.log');
  const auditLog = (event: Record<string, unknown>) => appendFileSync(auditFile, `${JSON.stringify(event)}\n`, { mode: 0o600 });
  const apiDeps: ApiDeps = apiDepsFrom(deps, env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1', {
    async start(jobId) {
      const { executionArn, done: ended, abort } = runner.start(jobId);
      // As the execution-status rule does when deployed: an execution that failed outside every
      // Catch must not leave its job running. A stop that abandons executions leaves them to the next start.
      const done = ended.then(async (outcome) => {
        if (outcome.status === 'FAILED' && !abandoning) {
          await failUnfinishedJob(jobId, `the workflow execution ended FAILED before recording this job (${outcome.error ?? 'no error'}); run the job again`, deps).catch(() => undefined);
        }
        return outcome;
      });
      running.add(done);
      aborts.add(abort);
      void done.finally(() => {
        running.delete(done);
        aborts.delete(abort);
      });
      return executionArn;
    },
  }, auditLog);
  const server = createApiServer((event) => routeRequest(event, apiDeps), token.value);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const idle = async () => {
    while (running.size > 0) await Promise.allSettled([...running]);
  };
  return {
    url: `http://127.0.0.1:${port}`,
    token: token.value,
    tokenGenerated: token.created,
    interruptedJobs,
    deps,
    idle,
    async stop(stopOptions = {}) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      if (!(stopOptions.wait ?? true)) {
        abandoning = true;
        for (const abort of aborts) abort();
      }
      await idle();
      await dynamo.stop();
    },
  };
}
