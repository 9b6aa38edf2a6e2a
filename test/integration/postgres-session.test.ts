import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionRoles } from '../../lambdas/core/provision.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../local/embedded-postgres.ts';
import { pgRun } from '../support/pg.ts';
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
    const report = await provisionRoles({
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
