import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlProvisioner } from '../../lambdas/core/engines/mysql/index.ts';
import { provisionAnyEngine } from '../../lambdas/core/provision-any-engine.ts';
import { createRdsLikeMaster, mysqlRun, mysqlTry, type MysqlLogin } from '../support/mysql.ts';
import { MYSQL_HOST, MYSQL_PORT, MYSQL_ROOT, MYSQL_ROOT_PASSWORD, suffix } from '../support/servers.ts';
import { describeRoleProvisioner, type PrivilegeCase } from './role-provisioner-contract.ts';

const TABLE_DENIED = ['1142'];
const DB_DENIED = ['1044', '1142'];
const root = (database?: string): MysqlLogin => ({ host: MYSQL_HOST, port: MYSQL_PORT, user: MYSQL_ROOT, password: MYSQL_ROOT_PASSWORD, database });
const id = (name: string) => mysql.escapeId(name);

const FIXTURE = [
  'CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50))',
  "INSERT INTO items (name) VALUES ('seed')",
  'CREATE VIEW items_v AS SELECT id, name FROM items',
  'CREATE TABLE `Mixed Case``s` (id INT AUTO_INCREMENT PRIMARY KEY, v INT)',
];

const ownTable = [
  'CREATE TABLE ddl_own (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10))',
  'ALTER TABLE ddl_own ADD COLUMN w INT',
  'CREATE INDEX ddl_own_w ON ddl_own (w)',
  "INSERT INTO ddl_own (v, w) VALUES ('x', 1)",
  'CREATE VIEW ddl_own_v AS SELECT v FROM ddl_own',
  'DROP VIEW ddl_own_v',
  'DROP TABLE ddl_own',
];

const CASES: PrivilegeCase[] = [
  { tier: 'ro', action: 'selects a table and a view', statements: () => ['SELECT * FROM items', 'SELECT * FROM items_v', 'SELECT * FROM `Mixed Case``s`'], expect: 'allow' },
  { tier: 'ro', action: 'inserts', statements: () => ["INSERT INTO items (name) VALUES ('x')"], expect: TABLE_DENIED },
  { tier: 'ro', action: 'updates', statements: () => ["UPDATE items SET name = 'x'"], expect: TABLE_DENIED },
  { tier: 'ro', action: 'deletes', statements: () => ['DELETE FROM `Mixed Case``s`'], expect: TABLE_DENIED },
  { tier: 'ro', action: 'creates a table', statements: () => ['CREATE TABLE nope (id INT)'], expect: TABLE_DENIED },
  { tier: 'ro', action: 'reads mysql.user', statements: () => ['SELECT * FROM mysql.user'], expect: TABLE_DENIED },
  { tier: 'rw', action: 'inserts into an auto_increment column', statements: () => ["INSERT INTO items (name) VALUES ('rw')", 'INSERT INTO `Mixed Case``s` (v) VALUES (1)'], expect: 'allow' },
  { tier: 'rw', action: 'updates and deletes', statements: () => ["UPDATE items SET name = 'y' WHERE name = 'rw'", 'DELETE FROM `Mixed Case``s` WHERE v = 1'], expect: 'allow' },
  { tier: 'rw', action: 'creates a table', statements: () => ['CREATE TABLE nope (id INT)'], expect: TABLE_DENIED },
  { tier: 'rw', action: 'drops a table', statements: () => ['DROP TABLE items'], expect: TABLE_DENIED },
  { tier: 'rw', action: 'alters a table', statements: () => ['ALTER TABLE items ADD COLUMN nope INT'], expect: TABLE_DENIED },
  { tier: 'rw', action: 'reads mysql.user', statements: () => ['SELECT * FROM mysql.user'], expect: TABLE_DENIED },
  { tier: 'ddl', action: 'reads and writes', statements: () => ['SELECT * FROM items', "INSERT INTO items (name) VALUES ('ddl')"], expect: 'allow' },
  { tier: 'ddl', action: 'creates, alters, indexes and drops its table', statements: () => ownTable, expect: 'allow' },
  { tier: 'ddl', action: 'reads mysql.user', statements: () => ['SELECT * FROM mysql.user'], expect: TABLE_DENIED },
  { tier: 'ddl', action: 'creates a database', statements: () => ['CREATE DATABASE dbroles_nope'], expect: DB_DENIED },
];

const s = suffix();
const admin = `dbr_admin_${s}`;
const adminPassword = `admin-${s}-pw`;
const prefix = `t${s}`;
const databases = [`dbr_${s}_a_b`, `dbr_${s}_Mixed`, `dbr_${s} q'x`];

describeRoleProvisioner({
  label: 'MariaDB on 127.0.0.1, master without SUPER',
  engine: 'mariadb',
  checksPasswords: true,
  async setup() {
    await createRdsLikeMaster(root(), admin, adminPassword);
    const asAdmin = (database?: string): MysqlLogin => ({ host: MYSQL_HOST, port: MYSQL_PORT, user: admin, password: adminPassword, database });
    await mysqlRun(asAdmin(), databases.map((d) => `CREATE DATABASE ${id(d)}`));
    for (const d of databases) await mysqlRun(asAdmin(d), FIXTURE);
    return {
      target: { host: MYSQL_HOST, port: MYSQL_PORT, user: admin, password: adminPassword },
      databases,
      fixtureDatabases: databases,
      prefix,
    };
  },
  async teardown() {
    await mysqlRun(root(), [
      ...databases.map((d) => `DROP DATABASE IF EXISTS ${id(d)}`),
      ...['ro', 'rw', 'ddl'].map((t) => `DROP USER IF EXISTS '${prefix}_${t}'@'%'`),
      `DROP USER IF EXISTS '${admin}'@'%'`,
    ]);
  },
  tryAs: (user, password, database, statements) => mysqlTry({ host: MYSQL_HOST, port: MYSQL_PORT, user, password, database }, statements),
  asMaster: (database, statements) => mysqlRun({ host: MYSQL_HOST, port: MYSQL_PORT, user: admin, password: adminPassword, database }, statements),
  cases: CASES,
  masterCreatesLater: () => ['CREATE TABLE later_master (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10))'],
  afterMasterCreated: [
    { tier: 'ro', action: "selects the master's new table", statements: () => ['SELECT * FROM later_master'], expect: 'allow' },
    { tier: 'ro', action: "cannot write the master's new table", statements: () => ["INSERT INTO later_master (v) VALUES ('x')"], expect: TABLE_DENIED },
    { tier: 'rw', action: "inserts into the master's new table", statements: () => ["INSERT INTO later_master (v) VALUES ('rw')"], expect: 'allow' },
  ],
  ddlCreatesLater: () => ['CREATE TABLE later_ddl (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10))', "INSERT INTO later_ddl (v) VALUES ('ddl')"],
  afterDdlCreated: [
    { tier: 'ro', action: "selects hoop_ddl's new table", statements: () => ['SELECT * FROM later_ddl'], expect: 'allow' },
    { tier: 'rw', action: "inserts into hoop_ddl's new table", statements: () => ["INSERT INTO later_ddl (v) VALUES ('rw')"], expect: 'allow' },
    { tier: 'rw', action: "cannot drop hoop_ddl's table", statements: () => ['DROP TABLE later_ddl'], expect: TABLE_DENIED },
  ],
  handGrant: {
    // Escaped like dbroles' own grant: MariaDB uses the first matching mysql.db row, not a union.
    grant: (database, users) => [`GRANT CREATE TEMPORARY TABLES ON ${id(database.replace(/[\\_%]/g, '\\$&'))}.* TO '${users.ro}'@'%'`],
    check: { tier: 'ro', action: 'keeps a hand-granted CREATE TEMPORARY TABLES', statements: () => ['CREATE TEMPORARY TABLE tmp_ro (id INT)'], expect: 'allow' },
  },
  loginProbe: 'SELECT 1',
});

describe('MySQL family specifics (MariaDB)', () => {
  const t = suffix();
  const master = `dbr_m_${t}`;
  const masterPassword = `m-${t}-pw`;
  const underscored = `dbr_${t}_a_b`;
  const lookalike = `dbr_${t}_axb`;
  const target = { host: MYSQL_HOST, port: MYSQL_PORT, user: master, password: masterPassword };
  const userPrefix = `w${t}`;

  beforeAll(async () => {
    await createRdsLikeMaster(root(), master, masterPassword);
    await mysqlRun(root(), [`CREATE DATABASE ${id(underscored)}`, `CREATE TABLE ${id(underscored)}.t (id INT)`]);
  });
  afterAll(async () => {
    await mysqlRun(root(), [
      `DROP DATABASE IF EXISTS ${id(underscored)}`,
      `DROP DATABASE IF EXISTS ${id(lookalike)}`,
      ...['ro', 'rw', 'ddl'].map((x) => `DROP USER IF EXISTS '${userPrefix}_${x}'@'%'`),
      `DROP USER IF EXISTS 'ctl_${t}'@'%'`,
      `DROP USER IF EXISTS '${master}'@'%'`,
    ]);
  });

  it('tells MariaDB from MySQL by the server version and never lists system schemas', async () => {
    const session = await mysqlProvisioner.connect(target);
    try {
      expect(session.server.flavor).toBe('mariadb');
      const listed = await session.listDatabases();
      expect(listed).toContain(underscored);
      for (const system of ['mysql', 'sys', 'performance_schema', 'information_schema']) expect(listed).not.toContain(system);
    } finally {
      await session.close();
    }
  });

  it('leaks no grant from a database named a_b to one named axb, and grants nothing on *.*', async () => {
    const report = await provisionAnyEngine({ engine: 'mariadb', target, tiers: ['ro', 'rw', 'ddl'], userPrefix, databases: [underscored] });
    expect(report.status).toBe('completed');
    await mysqlRun(root(), [`CREATE DATABASE ${id(lookalike)}`, `CREATE TABLE ${id(lookalike)}.t (id INT)`]);
    // Control: an unescaped grant on the same name does reach the look-alike, so the check below can fail.
    await mysqlRun(root(), [`CREATE USER 'ctl_${t}'@'%' IDENTIFIED BY 'ctl-pw-${t}'`, `GRANT SELECT ON ${id(underscored)}.* TO 'ctl_${t}'@'%'`]);
    const control = await mysqlTry({ host: MYSQL_HOST, port: MYSQL_PORT, user: `ctl_${t}`, password: `ctl-pw-${t}` }, [`SELECT * FROM ${id(lookalike)}.t`]);
    expect(control, 'an unescaped grant matches the look-alike').toEqual({ ok: true });
    for (const role of report.roles) {
      const login = { host: MYSQL_HOST, port: MYSQL_PORT, user: role.user, password: role.password };
      expect(await mysqlTry(login, [`SELECT * FROM ${id(underscored)}.t`]), `${role.tier} reads its database`).toEqual({ ok: true });
      const leak = await mysqlTry(login, [`SELECT * FROM ${id(lookalike)}.t`]);
      expect(leak.ok, `${role.tier} must not read ${lookalike}`).toBe(false);
      const conn = await mysql.createConnection(root());
      const [grants] = await conn.query<mysql.RowDataPacket[]>(`SHOW GRANTS FOR '${role.user}'@'%'`);
      await conn.end();
      const global = grants.map((g) => String(Object.values(g)[0])).filter((g) => g.includes(' ON *.* '));
      expect(global.every((g) => g.startsWith('GRANT USAGE ON *.*')), global.join('\n')).toBe(true);
    }
  });

  it('refuses a user name longer than the server allows, naming the limit', async () => {
    const report = await provisionAnyEngine({ engine: 'mariadb', target, tiers: ['ro'], userPrefix: `x${'y'.repeat(80)}`, databases: [underscored] });
    expect(report.roles[0]?.message).toMatch(/longer than mariadb's limit of 80 characters/);
  });
});
