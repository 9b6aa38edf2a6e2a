import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionAnyEngine } from '../../lambdas/core/provision-any-engine.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../local/embedded-postgres.ts';
import { pgQuery, pgRun, pgTry, type PgLogin } from '../support/pg.ts';
import { PG_HOST, PG_PORT, PG_SUPERUSER, suffix } from '../support/servers.ts';
import { describeRoleProvisioner, type EngineHarness, type PrivilegeCase } from './role-provisioner-contract.ts';

const DENIED = ['42501'];
const RW_SESSION = 'SET default_transaction_read_only = off';
const WEIRD_SCHEMA = '"we""ird schema"';
const WEIRD_TABLE = `${WEIRD_SCHEMA}."odd ""table"""`;

/** Schemas and tables every fixture database gets, created by the (non-superuser) master. */
const FIXTURE = [
  'CREATE SCHEMA app',
  'CREATE SCHEMA "MixedCase"',
  `CREATE SCHEMA ${WEIRD_SCHEMA}`,
  'CREATE TABLE app.items (id serial PRIMARY KEY, name text)',
  "INSERT INTO app.items (name) VALUES ('seed')",
  'CREATE VIEW app.items_v AS SELECT id, name FROM app.items',
  'CREATE TABLE "MixedCase"."Orders" (id serial PRIMARY KEY, total int)',
  `CREATE TABLE ${WEIRD_TABLE} (id serial PRIMARY KEY, v text)`,
  'CREATE TABLE public.notes (id serial PRIMARY KEY, body text)',
];

const ownTable = (schema: string) => [
  `CREATE TABLE ${schema}.ddl_own (id serial PRIMARY KEY, v text)`,
  `ALTER TABLE ${schema}.ddl_own ADD COLUMN w int`,
  `INSERT INTO ${schema}.ddl_own (v, w) VALUES ('x', 1)`,
  `DROP TABLE ${schema}.ddl_own`,
];

const CASES: PrivilegeCase[] = [
  { tier: 'ro', action: 'selects a table', statements: () => ['SELECT * FROM app.items'], expect: 'allow' },
  { tier: 'ro', action: 'selects a view', statements: () => ['SELECT * FROM app.items_v'], expect: 'allow' },
  { tier: 'ro', action: 'selects in a mixed-case schema', statements: () => ['SELECT * FROM "MixedCase"."Orders"'], expect: 'allow' },
  { tier: 'ro', action: 'selects in a schema with a quote and a space', statements: () => [`SELECT * FROM ${WEIRD_TABLE}`], expect: 'allow' },
  { tier: 'ro', action: 'selects in public', statements: () => ['SELECT * FROM public.notes'], expect: 'allow' },
  { tier: 'ro', action: 'reads a sequence', statements: () => ['SELECT last_value FROM app.items_id_seq'], expect: 'allow' },
  { tier: 'ro', action: 'is read-only by default', statements: () => ["INSERT INTO app.items (name) VALUES ('x')"], expect: ['25006'] },
  { tier: 'ro', action: 'inserts', statements: () => [RW_SESSION, "INSERT INTO app.items (name) VALUES ('x')"], expect: DENIED },
  { tier: 'ro', action: 'updates in public', statements: () => [RW_SESSION, "UPDATE public.notes SET body = 'x'"], expect: DENIED },
  { tier: 'ro', action: 'deletes', statements: () => [RW_SESSION, 'DELETE FROM "MixedCase"."Orders"'], expect: DENIED },
  { tier: 'ro', action: 'takes nextval', statements: () => [RW_SESSION, "SELECT nextval('app.items_id_seq')"], expect: DENIED },
  { tier: 'ro', action: 'creates in app', statements: () => [RW_SESSION, 'CREATE TABLE app.nope (id int)'], expect: DENIED },
  { tier: 'ro', action: 'creates in public', statements: () => [RW_SESSION, 'CREATE TABLE public.nope (id int)'], expect: DENIED },
  { tier: 'ro', action: 'truncates', statements: () => [RW_SESSION, 'TRUNCATE app.items'], expect: DENIED },
  { tier: 'rw', action: 'selects', statements: () => ['SELECT * FROM app.items_v', `SELECT * FROM ${WEIRD_TABLE}`], expect: 'allow' },
  { tier: 'rw', action: 'inserts into a serial column', statements: () => ["INSERT INTO app.items (name) VALUES ('rw')"], expect: 'allow' },
  { tier: 'rw', action: 'inserts in mixed-case and quoted schemas', statements: () => ['INSERT INTO "MixedCase"."Orders" (total) VALUES (1)', `INSERT INTO ${WEIRD_TABLE} (v) VALUES ('rw')`], expect: 'allow' },
  { tier: 'rw', action: 'updates and deletes', statements: () => ["UPDATE public.notes SET body = 'y'", 'DELETE FROM "MixedCase"."Orders" WHERE total = 1'], expect: 'allow' },
  { tier: 'rw', action: 'creates in app', statements: () => ['CREATE TABLE app.nope (id int)'], expect: DENIED },
  { tier: 'rw', action: 'creates in public', statements: () => ['CREATE TABLE public.nope (id int)'], expect: DENIED },
  { tier: 'rw', action: 'drops a table', statements: () => ['DROP TABLE public.notes'], expect: DENIED },
  { tier: 'rw', action: 'alters a table', statements: () => ['ALTER TABLE app.items ADD COLUMN nope int'], expect: DENIED },
  { tier: 'rw', action: 'truncates', statements: () => ['TRUNCATE app.items'], expect: DENIED },
  { tier: 'ddl', action: 'reads and writes', statements: () => ['SELECT * FROM app.items', "INSERT INTO app.items (name) VALUES ('ddl')"], expect: 'allow' },
  { tier: 'ddl', action: 'truncates', statements: () => ['BEGIN', `TRUNCATE ${WEIRD_TABLE}`, 'ROLLBACK'], expect: 'allow' },
  { tier: 'ddl', action: 'creates, alters and drops its table in app', statements: () => ownTable('app'), expect: 'allow' },
  { tier: 'ddl', action: 'creates, alters and drops its table in public', statements: () => ownTable('public'), expect: 'allow' },
  { tier: 'ddl', action: 'creates, alters and drops its table in a mixed-case schema', statements: () => ownTable('"MixedCase"'), expect: 'allow' },
  { tier: 'ddl', action: 'creates, alters and drops its table in a quoted schema', statements: () => ownTable(WEIRD_SCHEMA), expect: 'allow' },
  { tier: 'ddl', action: "alters the master's table", statements: () => ['ALTER TABLE app.items ADD COLUMN nope int'], expect: DENIED },
  { tier: 'ddl', action: 'creates a schema', statements: () => ['CREATE SCHEMA nope'], expect: DENIED },
];

const AFTER_MASTER: PrivilegeCase[] = [
  { tier: 'ro', action: "selects the master's new table", statements: () => ['SELECT * FROM app.later_master'], expect: 'allow' },
  { tier: 'ro', action: "cannot write the master's new table", statements: () => [RW_SESSION, "INSERT INTO app.later_master (v) VALUES ('x')"], expect: DENIED },
  { tier: 'rw', action: "inserts into the master's new serial table", statements: () => ["INSERT INTO app.later_master (v) VALUES ('rw')"], expect: 'allow' },
  { tier: 'ddl', action: "reads the master's new table", statements: () => ['SELECT * FROM app.later_master'], expect: 'allow' },
];

const AFTER_DDL: PrivilegeCase[] = [
  { tier: 'ro', action: "selects hoop_ddl's new table", statements: () => ['SELECT * FROM app.later_ddl'], expect: 'allow' },
  { tier: 'rw', action: "inserts into hoop_ddl's new serial table", statements: () => ["INSERT INTO app.later_ddl (v) VALUES ('rw')"], expect: 'allow' },
  { tier: 'rw', action: "cannot drop hoop_ddl's table", statements: () => ['DROP TABLE app.later_ddl'], expect: DENIED },
];

interface ServerAccess {
  host: string;
  port: number;
  superuser: string;
  superPassword?: string;
}

/** A harness on a server: a CREATEROLE admin that is NOT a superuser owns three fixture databases. */
function postgresHarness(label: string, server: () => ServerAccess, options: { everyDatabase: boolean; checksPasswords: boolean }): EngineHarness {
  const s = suffix();
  const admin = `dbr_admin_${s}`;
  const adminPassword = `admin-${s}-pw`;
  const prefix = `t${s}`;
  const databases = [`dbr_${s}_a`, `dbr_${s}_Mixed`, `dbr_${s} "q"`];
  const login = (user: string, password: string | undefined, database: string): PgLogin => ({
    host: server().host,
    port: server().port,
    user,
    password,
    database,
  });
  const asSuper = (database: string) => login(server().superuser, server().superPassword, database);
  const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
  return {
    label,
    engine: 'postgres',
    checksPasswords: options.checksPasswords,
    async setup() {
      await pgRun(asSuper('postgres'), [
        `CREATE ROLE ${admin} LOGIN CREATEROLE PASSWORD '${adminPassword}'`,
        ...databases.map((d) => `CREATE DATABASE ${ident(d)} OWNER ${admin}`),
      ]);
      for (const d of databases) await pgRun(login(admin, adminPassword, d), FIXTURE);
      return {
        target: { host: server().host, port: server().port, user: admin, password: adminPassword, database: 'postgres' },
        databases: options.everyDatabase ? undefined : databases,
        fixtureDatabases: databases,
        prefix,
      };
    },
    async teardown() {
      const su = asSuper('postgres');
      for (const d of databases) await pgRun(su, [`DROP DATABASE IF EXISTS ${ident(d)} WITH (FORCE)`]);
      const roles = ['ro', 'rw', 'ddl'].map((t) => `${prefix}_${t}`);
      if (options.everyDatabase) await pgRun(su, [`DROP OWNED BY ${roles.join(', ')}`]).catch(() => undefined);
      for (const r of [...roles, admin]) await pgRun(su, [`DROP ROLE IF EXISTS ${r}`]).catch(() => undefined);
    },
    tryAs: (user, password, database, statements) => pgTry(login(user, password, database), statements),
    asMaster: (database, statements) => pgRun(login(admin, adminPassword, database), statements),
    cases: CASES,
    masterCreatesLater: () => ['CREATE TABLE app.later_master (id serial PRIMARY KEY, v text)'],
    afterMasterCreated: AFTER_MASTER,
    ddlCreatesLater: () => ['CREATE TABLE app.later_ddl (id serial PRIMARY KEY, v text)', "INSERT INTO app.later_ddl (v) VALUES ('ddl')"],
    afterDdlCreated: AFTER_DDL,
    handGrant: {
      grant: (_db, users) => [`GRANT TRUNCATE ON public.notes TO ${users.rw}`],
      check: { tier: 'rw', action: 'keeps a hand-granted TRUNCATE', statements: () => ['BEGIN', 'TRUNCATE public.notes', 'ROLLBACK'], expect: 'allow' },
    },
    loginProbe: 'SELECT 1',
  };
}

describeRoleProvisioner(
  postgresHarness('PostgreSQL 15 on 127.0.0.1, non-superuser master', () => ({ host: PG_HOST, port: PG_PORT, superuser: PG_SUPERUSER }), {
    everyDatabase: false,
    checksPasswords: false,
  }),
);

let embedded: EmbeddedServer | undefined;
const embeddedAccess = (): ServerAccess => {
  if (!embedded) throw new Error('embedded PostgreSQL is not running');
  return { host: '127.0.0.1', port: embedded.port, superuser: embedded.user, superPassword: embedded.password };
};

describe('PostgreSQL 18 (embedded, SCRAM passwords)', () => {
  beforeAll(async () => {
    embedded = await startEmbeddedPostgres();
  });
  afterAll(async () => {
    await embedded?.stop();
  });

  describeRoleProvisioner(
    postgresHarness('PostgreSQL 18 embedded, every database, non-superuser master', embeddedAccess, { everyDatabase: true, checksPasswords: true }),
  );

  describe('provisionRoles on PostgreSQL', () => {
    it('lists every connectable database and no template', async () => {
      const su = embeddedAccess();
      const report = await provisionAnyEngine({
        engine: 'postgres',
        target: { host: su.host, port: su.port, user: su.superuser, password: su.superPassword ?? '' },
        tiers: ['ro'],
        userPrefix: `l${suffix()}`,
      });
      const listed = report.roles[0]?.databases.map((d) => d.database) ?? [];
      expect(listed).toContain('postgres');
      expect(listed).not.toContain('template0');
      expect(listed).not.toContain('template1');
      expect(report.status).toBe('completed');
    });

    it('refuses an existing SUPERUSER ro and still provisions rw and ddl', async () => {
      const su = embeddedAccess();
      const prefix = `s${suffix()}`;
      await pgRun({ host: su.host, port: su.port, user: su.superuser, password: su.superPassword, database: 'postgres' }, [
        `CREATE ROLE ${prefix}_ro LOGIN SUPERUSER`,
      ]);
      const report = await provisionAnyEngine({
        engine: 'postgres',
        target: { host: su.host, port: su.port, user: su.superuser, password: su.superPassword ?? '' },
        tiers: ['ro', 'rw', 'ddl'],
        userPrefix: prefix,
        databases: ['postgres'],
      });
      const byTier = Object.fromEntries(report.roles.map((r) => [r.tier, r]));
      expect(byTier.ro?.status).toBe('failed');
      expect(byTier.ro?.message).toMatch(/role "s\w+_ro" already exists with SUPER/);
      expect(byTier.ro?.password, 'a refused user keeps its password').toBeUndefined();
      expect(byTier.rw?.status).toBe('completed');
      expect(byTier.ddl?.status).toBe('completed');
      expect(report.message).toBe('One or more user roles failed to be provisioned');
    });

    it('grants on a rerun only what the catalogs show missing: an unchanged database is not written, a revoked table is granted again', async () => {
      const su = embeddedAccess();
      const id = suffix();
      const master = `m${id}`;
      const database = `rerun_${id}`;
      const prefix = `r${id}`;
      const asSuper = { host: su.host, port: su.port, user: su.superuser, password: su.superPassword, database: 'postgres' };
      const asMaster = { ...asSuper, user: master, password: 'master-pw', database };
      await pgRun(asSuper, [`CREATE ROLE ${master} LOGIN CREATEROLE PASSWORD 'master-pw'`, `CREATE DATABASE ${database} OWNER ${master}`]);
      await pgRun(asMaster, ['CREATE SCHEMA app', 'CREATE TABLE app.items (id serial PRIMARY KEY, name text)', 'CREATE TABLE app.other (id int)', 'CREATE SCHEMA empty']);
      const provision = () =>
        provisionAnyEngine({ engine: 'postgres', target: { host: su.host, port: su.port, user: master, password: 'master-pw' }, tiers: ['ro', 'rw', 'ddl'], userPrefix: prefix, databases: [database] });
      // Every GRANT rewrites the object's catalog row, so its xmin tells whether a run wrote it.
      const rowVersions = () =>
        pgQuery<{ name: string; xmin: string }>(
          asMaster,
          `SELECT relname AS name, xmin::text FROM pg_class WHERE relnamespace = 'app'::regnamespace AND relkind IN ('r', 'S')
           UNION ALL SELECT nspname, xmin::text FROM pg_namespace WHERE nspname IN ('app', 'empty')
           UNION ALL SELECT 'database', xmin::text FROM pg_database WHERE datname = current_database()
           UNION ALL SELECT 'defaults:' || defaclrole::regrole::text || ':' || defaclobjtype::text, xmin::text FROM pg_default_acl ORDER BY 1`,
        );

      expect((await provision()).status).toBe('completed');
      const afterFirst = await rowVersions();
      expect(afterFirst.filter((r) => r.name.startsWith('defaults:')).length).toBeGreaterThan(0);
      expect((await provision()).status).toBe('completed');
      expect(await rowVersions(), 'a rerun on an unchanged database writes no catalog row').toEqual(afterFirst);

      await pgRun(asMaster, [`REVOKE SELECT ON app.items FROM ${prefix}_ro`]);
      const report = await provision();
      expect(report.status).toBe('completed');
      const ro = { host: su.host, port: su.port, user: `${prefix}_ro`, password: report.roles.find((r) => r.tier === 'ro')?.password, database };
      expect(await pgTry(ro, ['SELECT * FROM app.items', 'SELECT * FROM app.other'])).toEqual({ ok: true });
      expect(await pgTry(ro, ['BEGIN READ WRITE', "INSERT INTO app.items (name) VALUES ('x')"])).toMatchObject({ ok: false, code: '42501' });
      const versions = new Map((await rowVersions()).map((r) => [r.name, r.xmin]));
      const changed = afterFirst.filter((r) => versions.get(r.name) !== r.xmin).map((r) => r.name);
      // GRANT … ON ALL TABLES IN SCHEMA app rewrites the tables of app; the sequences, schemas,
      // database and default privileges were complete and are left alone.
      expect(changed.sort()).toEqual(['items', 'other']);
    });

    it('grants the same whichever tier runs first: ro provisioned before hoop_ddl existed still gets what hoop_ddl creates later', async () => {
      const su = embeddedAccess();
      const id = suffix();
      const master = `o${id}`;
      const database = `order_${id}`;
      await pgRun({ host: su.host, port: su.port, user: su.superuser, password: su.superPassword, database: 'postgres' }, [
        `CREATE ROLE ${master} LOGIN CREATEROLE PASSWORD 'master-pw'`,
        `CREATE DATABASE ${database} OWNER ${master}`,
      ]);
      const run = (tiers: Array<'ro' | 'ddl'>, dryRun = false) =>
        provisionAnyEngine({ engine: 'postgres', target: { host: su.host, port: su.port, user: master, password: 'master-pw' }, tiers, userPrefix: `q${id}`, databases: [database], keepExistingPasswords: true, dryRun });
      // As the workflow's three tasks can happen to run: ro first, when hoop_ddl does not exist yet.
      expect((await run(['ro'])).status).toBe('completed');
      expect((await run(['ddl'])).status).toBe('completed');
      const plan = await run(['ro', 'ddl'], true);
      expect(plan.plan?.filter((s) => !s.alreadyHeld).map((s) => s.sql)).toEqual([]);
    });

    it('sends a SCRAM verifier, so the server never sees the password', async () => {
      const su = embeddedAccess();
      const prefix = `v${suffix()}`;
      const report = await provisionAnyEngine({
        engine: 'postgres',
        target: { host: su.host, port: su.port, user: su.superuser, password: su.superPassword ?? '' },
        tiers: ['rw'],
        userPrefix: prefix,
        databases: ['postgres'],
      });
      const [stored] = await pgQuery<{ rolpassword: string }>(
        { host: su.host, port: su.port, user: su.superuser, password: su.superPassword, database: 'postgres' },
        'SELECT rolpassword FROM pg_authid WHERE rolname = $1',
        [`${prefix}_rw`],
      );
      expect(stored?.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
      expect(stored?.rolpassword).not.toContain(report.roles[0]?.password);
    });
  });
});

describe('per-database failures on PostgreSQL 15', () => {
  const s = suffix();
  const admin = `dbr_fail_${s}`;
  const open = `dbr_${s}_open`;
  const closed = `dbr_${s}_closed`;
  const su = (database: string): PgLogin => ({ host: PG_HOST, port: PG_PORT, user: PG_SUPERUSER, database });

  beforeAll(async () => {
    await pgRun(su('postgres'), [
      `CREATE ROLE ${admin} LOGIN CREATEROLE PASSWORD 'pw-${s}'`,
      `CREATE DATABASE ${open} OWNER ${admin}`,
      `CREATE DATABASE ${closed}`,
      `REVOKE CONNECT ON DATABASE ${closed} FROM PUBLIC`,
    ]);
  });
  afterAll(async () => {
    await pgRun(su('postgres'), [`DROP DATABASE ${open} WITH (FORCE)`, `DROP DATABASE ${closed} WITH (FORCE)`]);
    for (const r of ['ro', 'rw', 'ddl'].map((t) => `f${s}_${t}`).concat(admin)) await pgRun(su('postgres'), [`DROP ROLE IF EXISTS ${r}`]);
  });

  it('reports the failing database with the driver message and completes the others', async () => {
    const report = await provisionAnyEngine({
      engine: 'postgres',
      target: { host: PG_HOST, port: PG_PORT, user: admin, password: `pw-${s}`, database: 'postgres' },
      tiers: ['ro', 'rw', 'ddl'],
      userPrefix: `f${s}`,
      databases: [open, closed, `dbr_${s}_missing`],
    });
    expect(report.status).toBe('failed');
    for (const role of report.roles) {
      expect(role.status).toBe('failed');
      expect(role.password, 'the changed password is still reported').toBeTruthy();
      const byName = Object.fromEntries(role.databases.map((d) => [d.database, d]));
      expect(byName[open]).toMatchObject({ status: 'completed' });
      expect(byName[closed]?.status).toBe('failed');
      expect(byName[closed]?.message).toMatch(/permission denied for database/);
      expect(byName[`dbr_${s}_missing`]?.message).toMatch(/not found/);
      expect(role.message).toMatch(new RegExp(`failed in 2 of 3 databases: .*${closed}: permission denied`));
      expect(role.message).not.toContain(role.password);
    }
  });

  it('fails every role with a clear message when the master cannot log in', async () => {
    const report = await provisionAnyEngine({
      engine: 'postgres',
      target: { host: PG_HOST, port: PG_PORT, user: `nobody_${s}`, password: 'secret-master-pw', database: 'postgres' },
      tiers: ['ro'],
      userPrefix: `f${s}`,
    });
    expect(report.roles[0]?.status).toBe('failed');
    expect(report.roles[0]?.message).toMatch(/^connect to 127\.0\.0\.1:\d+ as master "nobody_\w+": .*does not exist/);
    expect(report.roles[0]?.password).toBeUndefined();
  });
});
