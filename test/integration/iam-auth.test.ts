import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionAnyEngine } from '../../lambdas/core/provision-any-engine.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../local/embedded-postgres.ts';
import { createRdsLikeMaster, mysqlRun, type MysqlLogin } from '../support/mysql.ts';
import { pgQuery, pgRun, pgTry } from '../support/pg.ts';
import { MYSQL_HOST, MYSQL_PORT, MYSQL_ROOT, MYSQL_ROOT_PASSWORD, PG_HOST, PG_PORT, PG_SUPERUSER, suffix } from '../support/servers.ts';

describe('IAM-authenticated users (auth "iam"), engine level', () => {
  let server: EmbeddedServer;
  const id = suffix();
  const master = `iam_m${id}`;
  const database = `iam_${id}`;
  let superuser: { host: string; port: number; user: string; password: string; database: string };

  beforeAll(async () => {
    server = await startEmbeddedPostgres();
    superuser = { host: '127.0.0.1', port: server.port, user: server.user, password: server.password, database: 'postgres' };
    // RDS's own role, standing in: the master may grant it, as rds_superuser members may on RDS.
    await pgRun(superuser, [
      'CREATE ROLE rds_iam NOLOGIN',
      `CREATE ROLE ${master} LOGIN CREATEROLE PASSWORD 'master-pw'`,
      `GRANT rds_iam TO ${master} WITH ADMIN OPTION`,
      `CREATE DATABASE ${database} OWNER ${master}`,
    ]);
    await pgRun({ ...superuser, user: master, password: 'master-pw', database }, ['CREATE SCHEMA app', 'CREATE TABLE app.items (id int)']);
  }, 120_000);
  afterAll(() => server?.stop());

  const provision = (prefix: string, auth: 'password' | 'iam', port = server.port, user = master, password = 'master-pw') =>
    provisionAnyEngine({ engine: 'postgres', target: { host: '127.0.0.1', port, user, password }, tiers: ['ro', 'rw', 'ddl'], userPrefix: prefix, databases: [database], auth });

  const iamState = (prefix: string) =>
    pgQuery<{ rolname: string; has_password: boolean; iam: boolean }>(
      superuser,
      `SELECT a.rolname, a.rolpassword IS NOT NULL AS has_password, pg_has_role(a.oid, 'rds_iam', 'MEMBER') AS iam
       FROM pg_authid a WHERE a.rolname LIKE $1 ORDER BY 1`,
      [`${prefix}\\_%`],
    );

  it('PostgreSQL: each user holds rds_iam and no password, and keeps its tier', async () => {
    const prefix = `i${id}`;
    const report = await provision(prefix, 'iam');
    expect(report.status, report.roles.map((r) => r.message).join('; ')).toBe('completed');
    expect(report.roles.map((r) => r.password)).toEqual([undefined, undefined, undefined]);
    expect(await iamState(prefix)).toEqual(['ddl', 'ro', 'rw'].map((t) => ({ rolname: `${prefix}_${t}`, has_password: false, iam: true })));
    // The grants are the tier's, whatever the login: ro reads and cannot write (checked as the superuser acting as ro).
    expect(await pgTry({ ...superuser, database }, [`SET ROLE ${prefix}_ro`, 'SELECT * FROM app.items'])).toEqual({ ok: true });
    expect(await pgTry({ ...superuser, database }, [`SET ROLE ${prefix}_ro`, 'BEGIN READ WRITE', 'INSERT INTO app.items VALUES (1)'])).toMatchObject({ ok: false, code: '42501' });
  });

  it('PostgreSQL: a password user switched to IAM loses its password', async () => {
    const prefix = `s${id}`;
    const before = await provision(prefix, 'password');
    const password = before.roles.find((r) => r.tier === 'ro')?.password;
    expect(await pgTry({ ...superuser, database, user: `${prefix}_ro`, password }, ['SELECT 1'])).toEqual({ ok: true });
    expect((await provision(prefix, 'iam')).status).toBe('completed');
    expect((await iamState(prefix)).every((r) => !r.has_password && r.iam)).toBe(true);
    expect((await pgTry({ ...superuser, database, user: `${prefix}_ro`, password }, ['SELECT 1'])).ok, 'the old password no longer logs in').toBe(false);
  });

  it('PostgreSQL without rds_iam (not RDS) refuses, saying why', async () => {
    const report = await provisionAnyEngine({ engine: 'postgres', target: { host: PG_HOST, port: PG_PORT, user: PG_SUPERUSER, password: 'unused' }, tiers: ['ro'], userPrefix: `n${id}`, databases: ['postgres'], auth: 'iam' });
    expect(report.roles[0]?.status).toBe('failed');
    expect(report.roles[0]?.message).toMatch(/IAM authentication needs the role rds_iam, which RDS PostgreSQL has and this server does not/);
  });

  it('MariaDB has no AWSAuthenticationPlugin: the statement RDS would take is sent, and the refusal reported without any password', async () => {
    const root: MysqlLogin = { host: MYSQL_HOST, port: MYSQL_PORT, user: MYSQL_ROOT, password: MYSQL_ROOT_PASSWORD };
    const myMaster = `iam_m${id}`;
    await createRdsLikeMaster(root, myMaster, 'master-pw');
    try {
      const report = await provisionAnyEngine({ engine: 'mariadb', target: { host: MYSQL_HOST, port: MYSQL_PORT, user: myMaster, password: 'master-pw' }, tiers: ['ro'], userPrefix: `m${id}`, auth: 'iam', dryRun: true });
      expect(report.plan?.map((s) => s.sql)).toContain(`CREATE USER IF NOT EXISTS 'm${id}_ro'@'%' IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS' REQUIRE SSL`);
      const real = await provisionAnyEngine({ engine: 'mariadb', target: { host: MYSQL_HOST, port: MYSQL_PORT, user: myMaster, password: 'master-pw' }, tiers: ['ro'], userPrefix: `m${id}`, auth: 'iam' });
      expect(real.roles[0]?.status).toBe('failed');
      expect(real.roles[0]?.message).toMatch(/AWSAuthenticationPlugin/);
      expect(real.roles[0]?.password).toBeUndefined();
    } finally {
      await mysqlRun(root, [`DROP USER IF EXISTS '${myMaster}'@'%'`, `DROP USER IF EXISTS 'm${id}_ro'@'%'`]);
    }
  });
});
