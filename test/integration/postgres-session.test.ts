import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionAnyEngine } from '../../lambdas/core/provision-any-engine.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../local/embedded-postgres.ts';
import { pgRun, pgTry } from '../support/pg.ts';
import { suffix } from '../support/servers.ts';

let server: EmbeddedServer;
const s = suffix();
const MASTER = `sess_master_${s}`;
beforeAll(async () => {
  server = await startEmbeddedPostgres();
  const su = { host: '127.0.0.1', port: server.port, user: server.user, password: server.password, database: 'postgres' };
  await pgRun(su, [`CREATE ROLE ${MASTER} LOGIN CREATEROLE PASSWORD 'sess-pw'`, `CREATE DATABASE sess_app OWNER ${MASTER}`]);
  // Made by another admin: the master holds no ADMIN OPTION on it, so PostgreSQL 16+ refuses its ALTER ROLE inside the transaction.
  await pgRun(su, [`CREATE ROLE x${s}_ro LOGIN`]);
}, 120_000);
afterAll(() => server?.stop());

describe('the shared PostgreSQL session', () => {
  it('rolls back a failed user transaction, so the other tiers on the same admin connection complete', async () => {
    const report = await provisionAnyEngine({
      engine: 'postgres',
      target: { host: '127.0.0.1', port: server.port, user: MASTER, password: 'sess-pw', database: 'postgres' },
      tiers: ['ro', 'rw', 'ddl'],
      userPrefix: `x${s}`,
      databases: ['sess_app'],
    });
    expect(report.roles.map((r) => [r.tier, r.status])).toEqual([
      ['ro', 'failed'],
      ['rw', 'completed'],
      ['ddl', 'completed'],
    ]);
    expect(report.roles[0]?.message).toMatch(/permission denied|must have admin option/i);
    expect(report.roles.map((r) => r.message).join(' ')).not.toMatch(/25P02|current transaction is aborted/);
  });
});

describe('a pre-existing PostgreSQL user with too much power is refused, not adopted', () => {
  it.each([
    ['the master', (u: string) => [`CREATE ROLE ${u} LOGIN`, `GRANT ${MASTER} TO ${u}`], /member of "sess_master_\w+" \(the master itself\)/],
    ['rds_superuser', (u: string) => [`CREATE ROLE ${u} LOGIN`, `GRANT rds_superuser TO ${u}`], /member of "rds_superuser" \(RDS superuser\)/],
    ['pg_write_all_data', (u: string) => [`CREATE ROLE ${u} LOGIN`, `GRANT pg_write_all_data TO ${u}`], /member of "pg_write_all_data" \(a predefined role/],
    ['a role that can create roles, through another role', (u: string) => [`CREATE ROLE ${u}_mid`, `CREATE ROLE ${u}_cr CREATEROLE`, `GRANT ${u}_cr TO ${u}_mid`, `CREATE ROLE ${u} LOGIN`, `GRANT ${u}_mid TO ${u}`], /member of "\w+_cr" \(a role with SUPERUSER, CREATEROLE/],
  ])('refuses a hoop_ro that is a member of %s, saying what to revoke', async (_label, setup, message) => {
    const prefix = `m${suffix()}`;
    const su = { host: '127.0.0.1', port: server.port, user: server.user, password: server.password, database: 'postgres' };
    // rds_superuser does not exist outside RDS: made here as a plain role of that name.
    await pgRun(su, ["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_superuser') THEN CREATE ROLE rds_superuser; END IF; END $$", ...setup(`${prefix}_ro`)]);
    const report = await provisionAnyEngine({
      engine: 'postgres',
      target: { host: '127.0.0.1', port: server.port, user: MASTER, password: 'sess-pw', database: 'postgres' },
      tiers: ['ro'],
      userPrefix: prefix,
      databases: ['sess_app'],
    });
    expect(report.roles[0]?.status).toBe('failed');
    expect(report.roles[0]?.message).toMatch(message);
    expect(report.roles[0]?.message).toMatch(/refusing to hand it out as the ro user: REVOKE that membership or choose another --prefix/);
  });
});

describe('PUBLIC CREATE on schema public (PostgreSQL 14 and older, or granted by hand)', () => {
  it('warns that ro and rw can create there, and with harden_public_schema revokes it so they cannot', async () => {
    const prefix = `h${suffix()}`;
    const db = `pub_${suffix()}`;
    const su = { host: '127.0.0.1', port: server.port, user: server.user, password: server.password };
    await pgRun({ ...su, database: 'postgres' }, [`CREATE DATABASE ${db} OWNER ${MASTER}`]);
    await pgRun({ ...su, database: db }, ['GRANT CREATE ON SCHEMA public TO PUBLIC']);
    const run = (hardenPublicSchema: boolean) =>
      provisionAnyEngine({
        engine: 'postgres',
        target: { host: '127.0.0.1', port: server.port, user: MASTER, password: 'sess-pw', database: 'postgres' },
        tiers: ['ro', 'rw'],
        userPrefix: prefix,
        databases: [db],
        hardenPublicSchema,
      });
    const createAs = async (user: string, password: string | undefined) =>
      pgTry({ ...su, user, password, database: db }, ['BEGIN READ WRITE', `CREATE TABLE public.t_${suffix()} (id int)`]);

    const plain = await run(false);
    for (const role of plain.roles) {
      expect(role.status).toBe('completed');
      expect(role.databases[0]?.message).toMatch(/PUBLIC may CREATE in schema "public", so \w+ can create objects there: run with harden_public_schema/);
      expect(await createAs(role.user, role.password)).toEqual({ ok: true });
    }

    const hardened = await run(true);
    for (const role of hardened.roles) {
      expect(role.status).toBe('completed');
      expect(role.databases[0]?.message).not.toMatch(/PUBLIC may CREATE/);
      expect(await createAs(role.user, role.password)).toMatchObject({ ok: false, code: '42501' });
    }
  });
});
