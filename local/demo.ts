/**
 * `npm run demo`: provisions hoop_ro, hoop_rw and hoop_ddl on a throw-away PostgreSQL (embedded,
 * password-checking, with a master that is NOT a superuser, as on RDS), then proves each user's
 * tier by logging in as it. Needs no AWS account and no database of your own.
 */
import pg from 'pg';
import { provisionRoles } from '../lambdas/core/provision.ts';
import { toProvisionerResponse, withoutPasswords } from '../lambdas/core/provision-response.ts';
import type { RoleTier } from '../lambdas/core/engines/types.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';

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
    { what: "INSERT INTO sales.orders (even with a read-write transaction)", sql: ['BEGIN READ WRITE', "INSERT INTO sales.orders (item) VALUES ('x')"], allowed: false },
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

async function main(): Promise<number> {
  const started = performance.now();
  console.log('1/4 starting an embedded PostgreSQL 18 (SCRAM passwords)...');
  const server = await startEmbeddedPostgres();
  try {
    const host = '127.0.0.1';
    const su = { host, port: server.port, user: server.user, password: server.password };
    console.log(`2/4 seeding ${DATABASES.length} databases, owned by "${MASTER}" (CREATEROLE, not a superuser)...`);
    const failure = await exec({ ...su, database: 'postgres' }, [
      `CREATE ROLE ${MASTER} LOGIN CREATEROLE PASSWORD '${MASTER_PASSWORD}'`,
      `ALTER DATABASE postgres OWNER TO ${MASTER}`,
      ...DATABASES.map((d) => `CREATE DATABASE ${pg.escapeIdentifier(d)} OWNER ${MASTER}`),
    ]);
    if (failure) throw new Error(failure);
    for (const d of DATABASES) {
      const seeded = await exec({ host, port: server.port, user: MASTER, password: MASTER_PASSWORD, database: d }, SEED);
      if (seeded) throw new Error(seeded);
    }

    console.log('3/4 provisioning hoop_ro, hoop_rw and hoop_ddl in every database...');
    const target = { host, port: server.port, user: MASTER, password: MASTER_PASSWORD, database: 'postgres' };
    const report = await provisionRoles(
      { engine: 'postgres', target, tiers: ['ro', 'rw', 'ddl'] },
      {
        onProgress: (e) => {
          if (e.kind === 'database-done') console.log(`    [${e.tier}] ${e.ok ? 'ok    ' : 'FAILED'} ${e.database} (${e.done}/${e.total})`);
        },
      },
    );
    const response = toProvisionerResponse('demo', target, report);
    console.log(JSON.stringify(withoutPasswords(response), null, 2));

    console.log('4/4 proof: logging in as each user (in every database)');
    let surprises = 0;
    for (const role of report.roles) {
      for (const check of PROOF[role.tier]) {
        for (const database of DATABASES) {
          const error = await exec({ host, port: server.port, user: role.user, password: role.password, database }, check.sql);
          const ok = (error === undefined) === check.allowed;
          if (!ok) surprises += 1;
          if (database === DATABASES[0] || !ok) {
            const verdict = error === undefined ? 'allowed' : `refused (${error})`;
            console.log(`    ${ok ? '✓' : '✗'} ${role.user.padEnd(8)} ${check.what}: ${verdict}${database === DATABASES[0] ? '' : ` in ${database}`}`);
          }
        }
      }
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const ok = report.status === 'completed' && surprises === 0;
    console.log(ok ? `demo completed in ${seconds} s: every user can do what its tier allows, and nothing more.` : `demo FAILED (${surprises} unexpected result(s))`);
    return ok ? 0 : 1;
  } finally {
    await server.stop();
  }
}

process.exit(await main().catch((error: unknown) => {
  console.error(`demo failed: ${(error as Error).message}`);
  return 1;
}));
