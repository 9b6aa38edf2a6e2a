import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlannedStatement } from '../../lambdas/core/engines/types.ts';
import { cli } from '../support/cli.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../local/embedded-postgres.ts';
import { createRdsLikeMaster, mysqlRun, type MysqlLogin } from '../support/mysql.ts';
import { pgQuery, pgRun } from '../support/pg.ts';
import { MYSQL_HOST, MYSQL_PORT, MYSQL_ROOT, MYSQL_ROOT_PASSWORD, PG_HOST, PG_PORT, PG_SUPERUSER, suffix } from '../support/servers.ts';

interface PlanOutput {
  status: string;
  message: string;
  summary: { changes: number; no_ops: number; by_kind: Record<string, number> };
  plan: PlannedStatement[];
}


const WRITING = /^(CREATE|ALTER|GRANT|REVOKE|DROP|INSERT|UPDATE|DELETE|TRUNCATE|COMMENT|SECURITY|SET|RESET|BEGIN|START|COMMIT|LOCK|DO|CALL|RENAME|FLUSH)\b/i;
const firstWord = (sql: string) => sql.trim().split(/\s+/)[0]?.toUpperCase() ?? '';

describe('provision --plan on PostgreSQL 18 (embedded), with the master logging every statement', () => {
  let server: EmbeddedServer;
  const log: string[] = [];
  const id = suffix();
  const master = `plan_m${id}`;
  const database = `plan_${id}`;
  const prefix = `p${id}`;
  let superuser: { host: string; port: number; user: string; password: string; database: string };
  const args = () => ['provision', '--engine', 'postgres', '--host', '127.0.0.1', '--port', String(server.port), '--user', master, '--prefix', prefix, '--databases', database];

  /** What the master's sessions sent, from the server's own log (log_statement = all for that role). */
  const masterStatements = () =>
    log
      .filter((line) => line.includes(`[${master}] `) && /LOG:\s+(statement|execute [^:]*):/.test(line))
      .map((line) => line.replace(/^.*LOG:\s+(statement|execute [^:]*):\s*/, ''));

  beforeAll(async () => {
    server = await startEmbeddedPostgres({ settings: { log_line_prefix: '[%u] ' }, onLog: (line) => log.push(line) });
    superuser = { host: '127.0.0.1', port: server.port, user: server.user, password: server.password, database: 'postgres' };
    await pgRun(superuser, [`CREATE ROLE ${master} LOGIN CREATEROLE PASSWORD 'master-pw'`, `CREATE DATABASE ${database} OWNER ${master}`, `ALTER ROLE ${master} SET log_statement = 'all'`]);
    await pgRun({ ...superuser, user: master, password: 'master-pw', database }, ['CREATE SCHEMA app', 'CREATE TABLE app.items (id serial PRIMARY KEY, name text)']);
  }, 120_000);
  afterAll(() => server?.stop());

  it('on a fresh server: lists every statement with passwords REDACTED, and the server log shows the master only read', async () => {
    log.length = 0;
    const run = await cli([...args(), '--plan', '--json'], 'master-pw');
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as PlanOutput;
    expect(out.message).toBe('plan only: nothing was changed');
    const sql = out.plan.map((s) => s.sql);
    expect(sql).toContain(`GRANT SELECT ON ALL TABLES IN SCHEMA "app", "public" TO "${prefix}_ro"`);
    expect(sql.filter((s) => /^CREATE ROLE/.test(s))).toHaveLength(3);
    for (const s of sql.filter((s) => /PASSWORD/.test(s))) expect(s).toMatch(/PASSWORD 'REDACTED'/);
    expect(out.summary).toMatchObject({ no_ops: 0, by_kind: { 'create-user': 3 } });

    const sent = masterStatements();
    expect(sent.length, 'the statement log captured the dry run').toBeGreaterThan(3);
    expect(sent.filter((s) => WRITING.test(s))).toEqual([]);
    expect(new Set(sent.map(firstWord))).toEqual(new Set(['SELECT', 'WITH'].filter((w) => sent.some((s) => firstWord(s) === w))));
    // Nothing exists afterwards.
    expect(await pgQuery(superuser, 'SELECT rolname FROM pg_roles WHERE rolname LIKE $1', [`${prefix}%`])).toEqual([]);
  });

  it('after provisioning: the grants are no-ops, only the password changes remain, and the text plan says so', async () => {
    const provisioned = await cli(args(), 'master-pw');
    expect(provisioned.code, provisioned.stderr).toBe(0);
    const out = JSON.parse((await cli([...args(), '--plan', '--json'], 'master-pw')).stdout) as PlanOutput;
    const changes = out.plan.filter((s) => !s.alreadyHeld);
    expect(changes.map((s) => s.sql)).toEqual([`${prefix}_ro`, `${prefix}_rw`, `${prefix}_ddl`].map((u) => `ALTER ROLE "${u}" WITH LOGIN PASSWORD 'REDACTED'`));
    expect(out.summary).toMatchObject({ changes: 3, by_kind: { password: 3 } });
    expect(out.summary.no_ops).toBeGreaterThan(10);

    const text = await cli([...args(), '--plan'], 'master-pw');
    expect(text.stdout).toContain(`database ${database}`);
    expect(text.stdout).toMatch(new RegExp(`= ${prefix}_ro: GRANT SELECT ON ALL TABLES IN SCHEMA "app", "public" TO "${prefix}_ro"\\s+\\(already held\\)`));
    expect(text.stdout.trim().split('\n').at(-1)).toBe('plan: 3 changes (3 password), ' + `${out.summary.no_ops} no-ops (already held); nothing was changed`);
    expect(text.stdout.includes(String.fromCharCode(27)), "no colour when stdout is not a terminal").toBe(false);
  });

  it('refuses --plan with --output, and --json without --plan', async () => {
    expect((await cli([...args(), '--plan', '--output', 'x.json'], 'master-pw')).code).toBe(2);
    const run = await cli([...args(), '--json'], 'master-pw');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--json: only with --plan/);
  });
});

describe(`provision --plan on PostgreSQL 15 (${PG_HOST}:${PG_PORT}), non-superuser master`, () => {
  const id = suffix();
  const master = `plan_m${id}`;
  const database = `plan_${id}`;
  const prefix = `p${id}`;
  const args = ['provision', '--engine', 'postgres', '--host', PG_HOST, '--port', String(PG_PORT), '--user', master, '--prefix', prefix, '--databases', database];

  beforeAll(async () => {
    const su = { host: PG_HOST, port: PG_PORT, user: PG_SUPERUSER, database: 'postgres' };
    await pgRun(su, [`CREATE ROLE ${master} LOGIN CREATEROLE PASSWORD 'master-pw'`, `CREATE DATABASE ${database} OWNER ${master}`]);
    await pgRun({ ...su, user: master, password: 'master-pw', database }, ['CREATE SCHEMA app', 'CREATE TABLE app.items (id serial PRIMARY KEY)']);
  });

  it('plans everything on a fresh database and, after provisioning, only the three password changes', async () => {
    const fresh = JSON.parse((await cli([...args, '--plan', '--json'], 'master-pw')).stdout) as PlanOutput;
    expect(fresh.summary.no_ops).toBe(0);
    expect(fresh.plan.map((p) => p.sql)).toContain(`GRANT SELECT ON ALL TABLES IN SCHEMA "app", "public" TO "${prefix}_ro"`);
    expect((await cli(args, 'master-pw')).code).toBe(0);
    const after = JSON.parse((await cli([...args, '--plan', '--json'], 'master-pw')).stdout) as PlanOutput;
    expect(after.plan.filter((p) => !p.alreadyHeld).map((p) => p.sql)).toEqual(['ro', 'rw', 'ddl'].map((t) => `ALTER ROLE "${prefix}_${t}" WITH LOGIN PASSWORD 'REDACTED'`));
  });
});

describe('provision --plan on MariaDB, with the general log on', () => {
  const id = suffix();
  const master = `plan_m${id}`;
  const database = `plan_${id}`;
  const prefix = `p${id}`;
  // A grant names the database with `_` escaped, or it would match others.
  const grantDatabase = database.replaceAll('_', '\\_');
  const root: MysqlLogin = { host: MYSQL_HOST, port: MYSQL_PORT, user: MYSQL_ROOT, password: MYSQL_ROOT_PASSWORD };
  const args = ['provision', '--engine', 'mariadb', '--host', MYSQL_HOST, '--port', String(MYSQL_PORT), '--user', master, '--prefix', prefix, '--databases', database];

  beforeAll(async () => {
    await createRdsLikeMaster(root, master, 'master-pw');
    await mysqlRun(root, [`CREATE DATABASE ${database}`, `CREATE TABLE ${database}.items (id INT PRIMARY KEY)`]);
  });
  afterAll(async () => {
    await mysqlRun(root, [`DROP DATABASE IF EXISTS ${database}`, ...['ro', 'rw', 'ddl', 'm'].map((t) => `DROP USER IF EXISTS '${t === 'm' ? master : `${prefix}_${t}`}'@'%'`)]);
  });

  it('reads only, by the general log of its own connections, and marks held grants as no-ops after provisioning', async () => {
    const conn = await mysql.createConnection(root);
    const [[before]] = await conn.query<mysql.RowDataPacket[]>("SELECT @@GLOBAL.general_log AS on_, @@GLOBAL.log_output AS output");
    const started = new Date(Date.now() - 1000);
    let logged: string[];
    try {
      await conn.query("SET GLOBAL log_output = 'TABLE'");
      await conn.query('SET GLOBAL general_log = 1');
      const run = await cli([...args, '--plan', '--json'], 'master-pw');
      expect(run.code, run.stderr).toBe(0);
      const out = JSON.parse(run.stdout) as PlanOutput;
      expect(out.plan.map((s) => s.sql)).toEqual([
        `CREATE USER IF NOT EXISTS '${prefix}_ro'@'%' IDENTIFIED BY 'REDACTED'`,
        `CREATE USER IF NOT EXISTS '${prefix}_rw'@'%' IDENTIFIED BY 'REDACTED'`,
        `CREATE USER IF NOT EXISTS '${prefix}_ddl'@'%' IDENTIFIED BY 'REDACTED'`,
        `GRANT SELECT, SHOW VIEW ON \`${grantDatabase}\`.* TO '${prefix}_ro'@'%'`,
        `GRANT SELECT, SHOW VIEW, INSERT, UPDATE, DELETE ON \`${grantDatabase}\`.* TO '${prefix}_rw'@'%'`,
        `GRANT SELECT, SHOW VIEW, INSERT, UPDATE, DELETE, CREATE, ALTER, DROP, INDEX, REFERENCES, CREATE VIEW, TRIGGER ON \`${grantDatabase}\`.* TO '${prefix}_ddl'@'%'`,
      ]);
      // The dry run's connections, found by their user, and everything they sent.
      const [rows] = await conn.query<mysql.RowDataPacket[]>(
        "SELECT command_type, CONVERT(argument USING utf8mb4) AS argument FROM mysql.general_log WHERE thread_id IN (SELECT thread_id FROM mysql.general_log WHERE command_type = 'Connect' AND CONVERT(argument USING utf8mb4) LIKE ? AND event_time >= ?) AND command_type IN ('Query', 'Execute')",
        [`${master}@%`, started],
      );
      logged = rows.map((r) => String(r.argument));
    } finally {
      await conn.query(`SET GLOBAL general_log = ${Number(before?.on_ ?? 0)}`);
      await conn.query(`SET GLOBAL log_output = ${mysql.escape(String(before?.output ?? 'FILE'))}`);
      await conn.end();
    }
    expect(logged.length, 'the general log captured the dry run').toBeGreaterThan(2);
    expect(logged.filter((s) => WRITING.test(s) && !/^SHOW\b/i.test(s))).toEqual([]);
    const [users] = await mysql.createConnection(root).then(async (c) => {
      try {
        return await c.query<mysql.RowDataPacket[]>('SELECT User FROM mysql.user WHERE User LIKE ?', [`${prefix}%`]);
      } finally {
        await c.end();
      }
    });
    expect(users).toEqual([]);

    expect((await cli(args, 'master-pw')).code).toBe(0);
    const after = JSON.parse((await cli([...args, '--plan', '--json'], 'master-pw')).stdout) as PlanOutput;
    expect(after.plan.filter((s) => !s.alreadyHeld).map((s) => s.sql)).toEqual(['ro', 'rw', 'ddl'].map((t) => `ALTER USER '${prefix}_${t}'@'%' IDENTIFIED BY 'REDACTED'`));
  });
});
