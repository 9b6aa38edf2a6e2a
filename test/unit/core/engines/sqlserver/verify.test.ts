import { describe, expect, it } from 'vitest';
import type { MssqlDriver } from '../../../../../lambdas/core/engines/sqlserver/index.ts';
import * as sql from '../../../../../lambdas/core/engines/sqlserver/sql.ts';
import { createSqlServerVerifier, selectDatabaseGrants } from '../../../../../lambdas/core/engines/sqlserver/verify.ts';
import { verifyServer } from '../../../../../lambdas/core/verify.ts';

/** SQL Server cannot run here: a fake `mssql` answers the catalog queries from a described server. */
function fakeServer(state: {
  logins: Record<string, { control_server?: number; server_roles?: string }>;
  databases: Record<string, { users: string[]; roles: Array<[member: string, role: string]>; permissions?: Array<[principal: string, permission: string, cls: string, object?: string]> }>;
  passwords?: Record<string, string>;
}) {
  const sent: Array<{ text: string; inputs: Record<string, unknown> }> = [];
  class ConnectionPool {
    constructor(private readonly config: { user: string; password: string }) {}
    async connect() {
      const expected = state.passwords?.[this.config.user];
      if (expected !== undefined && expected !== this.config.password) throw Object.assign(new Error(`Login failed for user '${this.config.user}'.`), { code: 'ELOGIN' });
      return this;
    }
    async close() {}
    request() {
      const inputs: Record<string, unknown> = {};
      return {
        input(name: string, _type: unknown, value: unknown) {
          inputs[name] = value;
          return this;
        },
        async query(text: string) {
          sent.push({ text, inputs });
          if (text.includes('FROM sys.databases')) return { recordset: Object.keys(state.databases).map((name) => ({ name })) };
          if (text.includes('FROM sys.server_principals')) {
            const login = state.logins[String(inputs.name)];
            return { recordset: login ? [{ name: inputs.name, control_server: 0, server_roles: '', ...login }] : [] };
          }
          const db = state.databases[/^USE \[((?:[^\]]|\]\])*)\];/.exec(text)?.[1] ?? ''];
          if (!db) return { recordset: [] };
          const names = [inputs.ro, inputs.rw, inputs.ddl];
          return {
            recordsets: [
              db.users.filter((u) => names.includes(u)).map((name) => ({ name })),
              db.roles.filter(([m]) => names.includes(m)).map(([member, role]) => ({ member, role })),
              (db.permissions ?? []).map(([principal, permission, cls, object]) => ({ principal, permission, class: cls, schema_name: object ? 'dbo' : null, object_name: object ?? null })),
            ],
          };
        },
      };
    }
  }
  return { sent, driver: { ConnectionPool, NVarChar: (length: number) => ({ length }) } as unknown as MssqlDriver };
}

const target = { host: 'mssql.example.com', port: 1433, user: 'admin', password: 'Master*Password_1' };
const users = [
  { tier: 'ro' as const, name: 'hoop_ro' },
  { tier: 'rw' as const, name: 'hoop_rw' },
  { tier: 'ddl' as const, name: 'hoop_ddl' },
];
const fullRoles = (): Array<[string, string]> =>
  users.flatMap((u) => sql.TIER_ROLES[u.tier].map((role): [string, string] => [u.name, role]));

describe('SQL Server verify (injected driver)', () => {
  it('reads each database in one batch of three catalog queries', () => {
    expect(selectDatabaseGrants('sales]x')).toMatchSnapshot();
    expect(sql.selectLogin).toMatchSnapshot();
  });

  it('is clean when each user has exactly its tier roles, and reports a missing role, an extra role and a direct grant', async () => {
    const logins = { hoop_ro: {}, hoop_rw: {}, hoop_ddl: {} };
    const clean = fakeServer({ logins, databases: { sales: { users: users.map((u) => u.name), roles: fullRoles(), permissions: [['hoop_ro', 'CONNECT', 'DATABASE']] } } });
    const ok = await verifyServer({ engine: 'sqlserver-se', target, users }, { sqlserver: createSqlServerVerifier(clean.driver) });
    expect(ok.status).toBe('clean');
    expect(clean.sent.find((s) => s.text.startsWith('USE [sales];'))?.inputs).toEqual({ ro: 'hoop_ro', rw: 'hoop_rw', ddl: 'hoop_ddl' });

    const drifted = fakeServer({
      logins: { ...logins, hoop_rw: { server_roles: 'sysadmin' } },
      databases: {
        sales: {
          users: users.map((u) => u.name),
          roles: [...fullRoles().filter(([m, r]) => !(m === 'hoop_ro' && r === 'db_datareader')), ['hoop_rw', 'db_owner']],
          permissions: [['hoop_ro', 'INSERT', 'OBJECT_OR_COLUMN', 'orders']],
        },
        hr: { users: ['hoop_ro', 'hoop_rw'], roles: fullRoles() },
      },
    });
    const report = await verifyServer({ engine: 'sqlserver-se', target, users }, { sqlserver: createSqlServerVerifier(drifted.driver) });
    expect(report.status).toBe('drift');
    expect(report.findings.map((f) => `${f.kind} ${f.user} ${f.database ?? '-'} ${f.object} ${f.privilege}`)).toEqual([
      'missing hoop_ddl hr database USER',
      'missing hoop_ro sales role db_datareader MEMBER',
      'extra hoop_rw - server role sysadmin MEMBER',
      'extra hoop_ro sales dbo.orders INSERT',
      'extra hoop_rw sales role db_owner MEMBER',
    ]);
  });

  it('reports a login that fails, without its password', async () => {
    const server = fakeServer({ logins: { hoop_ro: {} }, databases: { sales: { users: ['hoop_ro'], roles: [['hoop_ro', 'db_datareader']] } }, passwords: { hoop_ro: 'Right*Password_1' } });
    const report = await verifyServer(
      { engine: 'sqlserver-se', target, users: [{ tier: 'ro', name: 'hoop_ro', password: 'Wrong*Password_2' }], login: true },
      { sqlserver: createSqlServerVerifier(server.driver) },
    );
    expect(report.findings.map((f) => `${f.kind} ${f.database} ${f.privilege}`)).toEqual(['login-failed sales LOGIN']);
    expect(JSON.stringify(report)).not.toContain('Wrong*Password_2');
  });
});
