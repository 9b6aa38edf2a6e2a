import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionAnyEngine } from '../../lambdas/core/provision-any-engine.ts';
import { mysqlRun } from '../support/mysql.ts';
import { MYSQL_HOST, MYSQL_PORT, MYSQL_ROOT, MYSQL_ROOT_PASSWORD, suffix } from '../support/servers.ts';

const s = suffix();
const root = { host: MYSQL_HOST, port: MYSQL_PORT, user: MYSQL_ROOT, password: MYSQL_ROOT_PASSWORD };
const MASTER = `dbr_op_${s}`;
const DB = `dbr_${s}_op`;
const prefixes = ['opa', 'ops', 'opg', 'opr', 'opk'].map((p) => `${p}${s}`);

beforeAll(async () => {
  // A master without SUPER, as on RDS.
  await mysqlRun(root, [
    `CREATE USER '${MASTER}'@'%' IDENTIFIED BY 'op-${s}'`,
    `GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, REFERENCES, INDEX, ALTER, SHOW DATABASES, CREATE VIEW, SHOW VIEW, TRIGGER, CREATE USER ON *.* TO '${MASTER}'@'%' WITH GRANT OPTION`,
    `CREATE DATABASE ${DB}`,
  ]);
});
afterAll(async () => {
  await mysqlRun(root, [
    `DROP DATABASE IF EXISTS ${DB}`,
    `DROP USER IF EXISTS '${MASTER}'@'%'`,
    ...prefixes.flatMap((p) => ['ro', 'rw', 'ddl'].map((t) => `DROP USER IF EXISTS '${p}_${t}'@'%'`)),
    `DROP ROLE IF EXISTS role_${s}`,
  ]);
});

const provision = (userPrefix: string) =>
  provisionAnyEngine({ engine: 'mariadb', target: { ...root, user: MASTER, password: `op-${s}` }, tiers: ['ro'], userPrefix, databases: [DB] });

describe('a pre-existing MariaDB user with too much power is refused, not adopted', () => {
  it.each([
    ['ALL ON *.*', 0, (u: string) => [`CREATE USER '${u}'@'%' IDENTIFIED BY 'x1234567'`, `GRANT ALL ON *.* TO '${u}'@'%'`], /already exists with global privileges \(ALL PRIVILEGES ON \*\.\*\)/],
    ['SELECT on mysql.*', 1, (u: string) => [`CREATE USER '${u}'@'%' IDENTIFIED BY 'x1234567'`, `GRANT SELECT ON mysql.* TO '${u}'@'%'`], /with privileges on the system schema mysql \(SELECT\)/],
    ['GRANT OPTION', 2, (u: string) => [`CREATE USER '${u}'@'%' IDENTIFIED BY 'x1234567'`, `GRANT SELECT ON ${DB}.* TO '${u}'@'%' WITH GRANT OPTION`], /with GRANT OPTION/],
    ['a role with global privileges', 3, (u: string) => [`CREATE ROLE role_${s}`, `GRANT INSERT ON *.* TO role_${s}`, `CREATE USER '${u}'@'%' IDENTIFIED BY 'x1234567'`, `GRANT role_${s} TO '${u}'@'%'`], /with global privileges \(INSERT ON \*\.\*\) through its role 'role_/],
  ])('refuses a hoop_ro that holds %s, saying what to remove', async (_label, index, setup, message) => {
    const user = `${prefixes[index]}_ro`;
    await mysqlRun(root, setup(user));
    const report = await provision(prefixes[index] ?? '');
    expect(report.roles[0]?.status).toBe('failed');
    expect(report.roles[0]?.message).toMatch(message);
    expect(report.roles[0]?.message).toMatch(/refusing to hand it out as the ro user: revoke it, or choose another --prefix/);
  });

  it('tells created from existing by mysql.user, even with sql_notes=0 hiding the warning', async () => {
    await mysqlRun(root, ['SET GLOBAL sql_notes = 0']);
    try {
      const first = await provision(prefixes[4] ?? '');
      const second = await provision(prefixes[4] ?? '');
      expect([first.roles[0]?.created, second.roles[0]?.created]).toEqual([true, false]);
      expect(second.roles[0]?.status).toBe('completed');
    } finally {
      await mysqlRun(root, ['SET GLOBAL sql_notes = 1']);
    }
  });
});
