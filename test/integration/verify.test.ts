import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../lambdas/core/verify.ts';
import { cli } from '../support/cli.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../local/embedded-postgres.ts';
import { createRdsLikeMaster, mysqlRun, type MysqlLogin } from '../support/mysql.ts';
import { pgRun } from '../support/pg.ts';
import { MYSQL_HOST, MYSQL_PORT, MYSQL_ROOT, MYSQL_ROOT_PASSWORD, PG_HOST, PG_PORT, PG_SUPERUSER, suffix } from '../support/servers.ts';


let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dbroles-verify-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const findings = (report: VerifyReport) => report.findings.map((f) => `${f.kind} ${f.user} ${f.database ?? '-'} ${f.object} ${f.privilege}`);

/** The drift story on one PostgreSQL server: clean, a revoked table, an extra grant, a rerun. */
function postgresDrift(label: string, server: () => { host: string; port: number; user: string; password?: string }, checksPasswords: boolean) {
  describe(`dbroles verify on ${label}`, () => {
    const id = suffix();
    const master = `ver_m${id}`;
    const database = `ver_${id}`;
    const prefix = `v${id}`;
    const connection = () => ['--engine', 'postgres', '--host', server().host, '--port', String(server().port), '--user', master, '--prefix', prefix, '--databases', database];
    const verify = async (...extra: string[]) => {
      const run = await cli(['verify', ...connection(), '--json', ...extra], 'master-pw');
      return { code: run.code, report: JSON.parse(run.stdout || '{}') as VerifyReport, stderr: run.stderr };
    };
    const asMaster = () => ({ ...server(), user: master, password: 'master-pw', database });
    const credentials = () => join(dir, `${prefix}.json`);

    beforeAll(async () => {
      await pgRun({ ...server(), database: 'postgres' }, [`CREATE ROLE ${master} LOGIN CREATEROLE PASSWORD 'master-pw'`, `CREATE DATABASE ${database} OWNER ${master}`]);
      await pgRun(asMaster(), ['CREATE SCHEMA app', 'CREATE TABLE app.items (id serial PRIMARY KEY, name text)', 'CREATE TABLE app.other (id int)']);
      const provisioned = await cli(['provision', ...connection(), '--output', credentials()], 'master-pw');
      expect(provisioned.code, provisioned.stderr).toBe(0);
    }, 60_000);

    it('is clean after provisioning, in words and in JSON', async () => {
      const { code, report } = await verify();
      expect(code).toBe(0);
      expect(report.status).toBe('clean');
      expect(report.findings).toEqual([]);
      const text = await cli(['verify', ...connection()], 'master-pw');
      expect(text.stdout.trim()).toBe(`verify: clean: 3 user(s) in 1 database(s) hold exactly their tier`);
    });

    it('reports exactly a hand-revoked table as missing (exit 1), an extra grant as a warning, and a rerun repairs only the first', async () => {
      await pgRun(asMaster(), [`REVOKE SELECT ON app.items FROM ${prefix}_ro`]);
      const revoked = await verify();
      expect(revoked.code).toBe(1);
      expect(revoked.report.status).toBe('drift');
      expect(findings(revoked.report)).toEqual([`missing ${prefix}_ro ${database} app.items SELECT`]);
      const text = await cli(['verify', ...connection()], 'master-pw');
      expect(text.stdout).toContain(`database ${database}\n  MISSING      ${prefix}_ro  app.items  SELECT`);

      await pgRun(asMaster(), [`GRANT INSERT ON app.other TO ${prefix}_ro`]);
      const extra = await verify();
      expect(findings(extra.report)).toEqual([`missing ${prefix}_ro ${database} app.items SELECT`, `extra ${prefix}_ro ${database} app.other INSERT`]);

      // dbroles grants what is missing and never revokes.
      expect((await cli(['provision', ...connection(), '--output', credentials()], 'master-pw')).code).toBe(0);
      const after = await verify();
      expect(after.code, 'extra privileges alone are warnings').toBe(0);
      expect(after.report.status).toBe('warnings');
      expect(findings(after.report)).toEqual([`extra ${prefix}_ro ${database} app.other INSERT`]);
      expect((await verify('--strict')).code).toBe(1);
    });

    it.runIf(checksPasswords)('logs in as each user with --login: the stored passwords work, a wrong one is a failed login', async () => {
      const clean = await verify('--login', '--credentials', credentials());
      expect(clean.report.summary).toMatchObject({ missing: 0, login_failed: 0 });
      const file = JSON.parse(await readFile(credentials(), 'utf8')) as { result: Array<{ db_credentials: { password: string } }> };
      const wrong = join(dir, `${prefix}-wrong.json`);
      const first = file.result[0];
      if (first) first.db_credentials.password = 'not-the-password';
      await writeFile(wrong, JSON.stringify(file));
      const failed = await verify('--login', '--credentials', wrong);
      expect(failed.code).toBe(1);
      expect(findings(failed.report)).toContain(`login-failed ${prefix}_ro ${database} login LOGIN`);
      expect(JSON.stringify(failed.report)).not.toContain('not-the-password');
    });

    it('refuses bad usage with exit 2', async () => {
      expect((await cli(['verify', ...connection(), '--login'], 'master-pw')).code).toBe(2);
      expect((await cli(['verify', ...connection(), '--login', '--credentials', join(dir, 'absent.json')], 'master-pw')).code).toBe(2);
      expect((await cli(['verify', ...connection(), '--roles', 'admin'], 'master-pw')).code).toBe(2);
    });
  });
}

let embedded: EmbeddedServer | undefined;
describe('PostgreSQL 18, embedded (checks passwords)', () => {
  beforeAll(async () => {
    embedded = await startEmbeddedPostgres();
  }, 120_000);
  afterAll(() => embedded?.stop());
  postgresDrift('PostgreSQL 18 (embedded), non-superuser master', () => ({ host: '127.0.0.1', port: embedded?.port ?? 0, user: embedded?.user ?? '', password: embedded?.password }), true);
});

postgresDrift(`PostgreSQL on ${PG_HOST}:${PG_PORT}, non-superuser master`, () => ({ host: PG_HOST, port: PG_PORT, user: PG_SUPERUSER }), false);

describe('dbroles verify on MariaDB, master without SUPER', () => {
  const id = suffix();
  const master = `ver_m${id}`;
  const database = `ver_${id}`;
  const prefix = `v${id}`;
  const root: MysqlLogin = { host: MYSQL_HOST, port: MYSQL_PORT, user: MYSQL_ROOT, password: MYSQL_ROOT_PASSWORD };
  const connection = ['--engine', 'mariadb', '--host', MYSQL_HOST, '--port', String(MYSQL_PORT), '--user', master, '--prefix', prefix, '--databases', database];
  const grantDatabase = `\`${database.replaceAll('_', '\\_')}\``;
  const credentials = () => join(dir, `${prefix}.json`);
  const verify = async (...extra: string[]) => {
    const run = await cli(['verify', ...connection, '--json', ...extra], 'master-pw');
    return { code: run.code, report: JSON.parse(run.stdout || '{}') as VerifyReport };
  };

  beforeAll(async () => {
    await createRdsLikeMaster(root, master, 'master-pw');
    await mysqlRun(root, [`CREATE DATABASE ${database}`, `CREATE TABLE ${database}.items (id INT PRIMARY KEY)`]);
    expect((await cli(['provision', ...connection, '--output', credentials()], 'master-pw')).code).toBe(0);
  });
  afterAll(async () => {
    await mysqlRun(root, [`DROP DATABASE IF EXISTS ${database}`, `DROP USER IF EXISTS '${master}'@'%'`, ...['ro', 'rw', 'ddl'].map((t) => `DROP USER IF EXISTS '${prefix}_${t}'@'%'`)]);
  });

  it('is clean and logs in, then reports a revoked SELECT (exit 1) and an extra INSERT, and a rerun repairs the first only', async () => {
    const clean = await verify('--login', '--credentials', credentials());
    expect(clean.code).toBe(0);
    expect(clean.report.findings).toEqual([]);

    await mysqlRun(root, [`REVOKE SELECT ON ${grantDatabase}.* FROM '${prefix}_ro'@'%'`, `GRANT INSERT ON ${grantDatabase}.* TO '${prefix}_ro'@'%'`]);
    const drift = await verify('--login', '--credentials', credentials());
    expect(drift.code).toBe(1);
    expect(findings(drift.report).slice(0, 2)).toEqual([`missing ${prefix}_ro ${database} database SELECT`, `missing ${prefix}_ro ${database} login SELECT * FROM \`${database}\`.\`items\` LIMIT 0`]);
    expect(findings(drift.report)).toContain(`extra ${prefix}_ro ${database} database INSERT`);

    expect((await cli(['provision', ...connection, '--output', credentials()], 'master-pw')).code).toBe(0);
    const after = await verify();
    expect(after.code).toBe(0);
    expect(findings(after.report)).toEqual([`extra ${prefix}_ro ${database} database INSERT`]);
  });
});
