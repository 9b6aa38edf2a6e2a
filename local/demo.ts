/**
 * `npm run demo`: a throw-away PostgreSQL (embedded, password-checking, with a master that is NOT
 * a superuser, as on RDS) and the dbroles local runtime in this process. A job is submitted through
 * the HTTP API and followed step by step; then each provisioned user logs in to show one allowed
 * and one refused action. Before the job, `dbroles provision --plan` shows what it will send; after
 * it, `dbroles verify --login` checks every privilege. Needs no AWS account and no database of your own.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { RoleTier } from '../lambdas/core/engines/types.ts';
import type { ConnectionCredentials } from '../lambdas/api/connections.ts';
import { DbrolesClient } from './cli/client.ts';
import { processIo, type CliIo } from './cli/io.ts';
import { runCli } from './cli/program.ts';
import { followJob } from './cli/jobs.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { startLocalRuntime } from './runtime.ts';
import { directResourceKey } from '../lambdas/core/target.ts';

const MASTER = 'demo_master';
const MASTER_PASSWORD = 'demo-master-password';
const DATABASES = ['shop', 'billing', 'Analytics'];
const SEED = [
  'CREATE SCHEMA sales',
  'CREATE SCHEMA "MixedCase"',
  'CREATE TABLE sales.orders (id serial PRIMARY KEY, item text, amount int)',
  "INSERT INTO sales.orders (item, amount) VALUES ('book', 12), ('pen', 2)",
  'CREATE TABLE "MixedCase"."Events" (id serial PRIMARY KEY, at timestamptz DEFAULT now())',
];

/** One allowed and one refused action per tier. */
const PROOF: Record<RoleTier, Array<{ what: string; sql: string[]; allowed: boolean }>> = {
  ro: [
    { what: 'SELECT count(*) FROM sales.orders', sql: ['SELECT count(*) FROM sales.orders'], allowed: true },
    { what: 'INSERT INTO sales.orders (even in a read-write transaction)', sql: ['BEGIN READ WRITE', "INSERT INTO sales.orders (item) VALUES ('x')"], allowed: false },
  ],
  rw: [
    { what: 'INSERT INTO sales.orders (serial id)', sql: ["INSERT INTO sales.orders (item, amount) VALUES ('demo', 1)"], allowed: true },
    { what: 'CREATE TABLE sales.nope', sql: ['CREATE TABLE sales.nope (id int)'], allowed: false },
  ],
  ddl: [
    { what: 'CREATE, ALTER and DROP its own table', sql: ['CREATE TABLE sales.ddl_demo (id serial)', 'ALTER TABLE sales.ddl_demo ADD COLUMN note text', 'DROP TABLE sales.ddl_demo'], allowed: true },
    { what: "ALTER the master's table sales.orders", sql: ['ALTER TABLE sales.orders ADD COLUMN nope int'], allowed: false },
  ],
};

async function exec(config: pg.ClientConfig, statements: string[]): Promise<string | undefined> {
  const client = new pg.Client(config);
  try {
    await client.connect();
    for (const s of statements) await client.query(s);
    return undefined;
  } catch (error) {
    return `${(error as { code?: string }).code ?? ''} ${(error as Error).message}`.trim();
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs a dbroles CLI command in this process with the master password in the environment; returns its exit code and output. */
async function dbroles(args: string[], masterPassword: string): Promise<{ code: number; out: string }> {
  let out = '';
  const io: CliIo = { stdout: (t) => void (out += t), stderr: (t) => void (out += t), stderrIsTTY: false, stdoutIsTTY: processIo.stdoutIsTTY };
  process.env.DEMO_MASTER_PASSWORD = masterPassword;
  try {
    return { code: await runCli([...args, '--password-env', 'DEMO_MASTER_PASSWORD'], io), out };
  } finally {
    delete process.env.DEMO_MASTER_PASSWORD;
  }
}

/** The first `sections` sections of a per-database report (the server and the first database), then the last line. */
function firstSections(text: string, sections: number): string {
  const lines = text.trimEnd().split('\n');
  const starts = lines.flatMap((line, i) => (/^\S/.test(line) && i < lines.length - 1 ? [i] : []));
  const cut = starts[sections] ?? lines.length - 1;
  const hidden = lines.length - 1 - cut;
  return [...lines.slice(0, cut), ...(hidden > 0 ? [`… ${hidden} more lines: the same for the other databases`] : []), lines.at(-1) ?? ''].map((l) => `    ${l}`).join('\n');
}

async function main(): Promise<number> {
  const started = performance.now();
  console.log('1/7 starting an embedded PostgreSQL 18 (SCRAM passwords)...');
  const server = await startEmbeddedPostgres();
  const dataDir = await mkdtemp(join(tmpdir(), 'dbroles-demo-'));
  let runtime;
  try {
    const host = '127.0.0.1';
    const failure = await exec({ host, port: server.port, user: server.user, password: server.password, database: 'postgres' }, [
      `CREATE ROLE ${MASTER} LOGIN CREATEROLE PASSWORD '${MASTER_PASSWORD}'`,
      `ALTER DATABASE postgres OWNER TO ${MASTER}`,
      ...DATABASES.map((d) => `CREATE DATABASE ${pg.escapeIdentifier(d)} OWNER ${MASTER}`),
    ]);
    if (failure) throw new Error(failure);
    for (const d of DATABASES) {
      const seeded = await exec({ host, port: server.port, user: MASTER, password: MASTER_PASSWORD, database: d }, SEED);
      if (seeded) throw new Error(seeded);
    }
    console.log(`2/7 seeded ${DATABASES.length} databases owned by "${MASTER}" (CREATEROLE, not a superuser); starting the local dbroles runtime...`);
    runtime = await startLocalRuntime({ dataDir, port: 0, token: randomBytes(32).toString('base64url'), waitMs: 100 });
    console.log(`    API at ${runtime.url}`);

    const connection = ['--engine', 'postgres', '--host', host, '--port', String(server.port), '--user', MASTER];
    console.log('3/7 dbroles provision --plan: what a run would send, read-only (passwords REDACTED)');
    const plan = await dbroles(['provision', ...connection, '--plan'], MASTER_PASSWORD);
    console.log(firstSections(plan.out, 2));
    if (plan.code !== 0) return 1;

    console.log('4/7 POST /api/dbroles/jobs (the master password is reset through the database, then the users are provisioned)');
    const client = await DbrolesClient.resolve({ url: runtime.url, token: runtime.token });
    const { job_id } = await client.request<{ job_id: string }>('POST', '/api/dbroles/jobs', {
      connection_prefix_name: 'demo',
      job_steps: ['create-connections'],
      target: { engine: 'postgres', host, port: server.port, master_user: MASTER, master_password: MASTER_PASSWORD, name: 'demo-postgres', reset_master_password: true },
    });
    const job = await followJob(client, job_id, { ...processIo, stderr: (t) => process.stdout.write(t) }, { json: false, timeoutSeconds: 60, intervalMs: 100 });
    console.log(`5/7 the job, as GET /api/dbroles/jobs/${job_id} returns it (no password in it):`);
    console.log(JSON.stringify(job, null, 2));

    console.log('6/7 proof: each user\'s credentials read back with GET /api/connections/demo-<tier>/credentials, then a login in every database');
    let surprises = 0;
    const credentials: Array<{ role_suffix_name: RoleTier; db_credentials: { user: string; password: string } }> = [];
    for (const tier of ['ro', 'rw', 'ddl'] as const) {
      const { user, password } = await client.request<ConnectionCredentials>('GET', `/api/connections/demo-${tier}/credentials`);
      credentials.push({ role_suffix_name: tier, db_credentials: { user, password } });
      for (const check of PROOF[tier]) {
        for (const database of DATABASES) {
          const error = await exec({ host, port: server.port, user, password, database }, check.sql);
          const ok = (error === undefined) === check.allowed;
          if (!ok) surprises += 1;
          if (database === DATABASES[0] || !ok) {
            const verdict = error === undefined ? 'allowed' : `refused (${error})`;
            console.log(`    ${ok ? '✓' : '✗'} ${user.padEnd(8)} ${check.what}: ${verdict}${database === DATABASES[0] ? '' : ` in ${database}`}`);
          }
        }
      }
    }
    const oldMaster = await exec({ host, port: server.port, user: MASTER, password: MASTER_PASSWORD, database: 'postgres' }, ['SELECT 1']);
    console.log(`    ${oldMaster ? '✓' : '✗'} the old master password no longer logs in; dbroles holds the new one, encrypted`);
    if (!oldMaster) surprises += 1;

    console.log('7/7 dbroles verify --login: every privilege read from the catalogs, and a login as each user (the master as dbroles now holds it)');
    const master = await runtime.deps.credentials.getMaster(directResourceKey('postgres', host, server.port), MASTER);
    const credentialsFile = join(dataDir, 'credentials.json');
    await writeFile(credentialsFile, JSON.stringify({ result: credentials }), { mode: 0o600 });
    const verify = await dbroles(['verify', ...connection, '--login', '--credentials', credentialsFile], master?.current ?? '');
    console.log(verify.out.trimEnd().split('\n').map((l) => `    ${l}`).join('\n'));
    if (verify.code !== 0 || !verify.out.includes('verify: clean')) surprises += 1;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const ok = job.status.phase === 'completed' && surprises === 0;
    console.log(ok ? `demo completed in ${seconds} s: every user can do what its tier allows, and nothing more.` : `demo FAILED (${surprises} unexpected result(s))`);
    return ok ? 0 : 1;
  } finally {
    await runtime?.stop();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

process.exit(
  await main().catch((error: unknown) => {
    console.error(`demo failed: ${(error as Error).message}`);
    return 1;
  }),
);
