import { beforeEach, describe, expect, it } from 'vitest';
import { createSqlServerProvisioner, type MssqlDriver } from '../../../../../lambdas/core/engines/sqlserver/index.ts';
import { provisionRoles, type ProvisionRolesRequest } from '../../../../../lambdas/core/provision.ts';

/** SQL Server cannot run here: a fake `mssql` records each request and answers by the statement it sees. */
const fake = (() => {
  interface Sent {
    text: string;
    inputs: Record<string, unknown>;
  }
  const state = {
    configs: [] as unknown[],
    sent: [] as Sent[],
    closed: 0,
    logins: new Map<string, { control_server: number; server_roles: string }>(),
    databases: ['sales', 'hr]x'] as string[],
    failIn: new Map<string, Error>(),
  };
  class ConnectionPool {
    constructor(config: unknown) {
      state.configs.push(config);
    }
    async connect() {
      return this;
    }
    async close() {
      state.closed += 1;
    }
    request() {
      const inputs: Record<string, unknown> = {};
      return {
        input(name: string, _type: unknown, value: unknown) {
          inputs[name] = value;
          return this;
        },
        async query(text: string) {
          state.sent.push({ text, inputs });
          if (text.startsWith('SELECT @@VERSION')) return { recordset: [{ version: 'Microsoft SQL Server 2022 (RTM) - 16.0.1000.6' }] };
          if (text.includes('FROM sys.databases')) return { recordset: state.databases.map((name) => ({ name })) };
          if (text.includes('FROM sys.server_principals')) {
            const login = state.logins.get(String(inputs.name));
            return { recordset: login ? [{ name: inputs.name, ...login }] : [] };
          }
          const db = /^USE \[((?:[^\]]|\]\])*)\];/.exec(text)?.[1]?.replace(/\]\]/g, ']');
          if (db && state.failIn.has(db)) throw state.failIn.get(db);
          return { recordset: [] };
        },
      };
    }
  }
  const NVarChar = (length: number) => ({ type: 'NVarChar', length });
  return { state, module: { ConnectionPool, NVarChar } };
})();

// The provisioner is given the fake driver the way the engine takes one: no module mocking.
const provisioner = createSqlServerProvisioner(fake.module as unknown as MssqlDriver);
const provision = (request: ProvisionRolesRequest) => provisionRoles(request, { provisioners: { sqlserver: provisioner } });

const target = { host: 'mssql.example.com', port: 1433, user: 'admin', password: 'Master*Password_1' };

describe('SQL Server provisioner over a mocked mssql', () => {
  beforeEach(() => {
    Object.assign(fake.state, { configs: [], sent: [], closed: 0, logins: new Map(), databases: ['sales', 'hr]x'], failIn: new Map() });
  });

  it('connects with TLS to master, creates each login and maps it in every database', async () => {
    const report = await provision({ engine: 'sqlserver-se', target, tiers: ['ro', 'rw', 'ddl'] });
    expect(report.status).toBe('completed');
    expect(report.defaultDatabase).toBe('master');
    expect(fake.state.configs[0]).toMatchObject({
      server: 'mssql.example.com',
      port: 1433,
      database: 'master',
      options: { encrypt: true, trustServerCertificate: false },
    });
    for (const role of report.roles) {
      expect(role).toMatchObject({ status: 'completed', created: true });
      const create = fake.state.sent.find((s) => s.text.startsWith(`CREATE LOGIN [${role.user}]`));
      expect(create?.text).toContain(`WITH PASSWORD = N'${role.password}'`);
      const batches = fake.state.sent.filter((s) => s.text.includes(`CREATE USER [${role.user}] FOR LOGIN [${role.user}]`));
      expect(batches.map((b) => b.text.split('\n')[0])).toEqual(expect.arrayContaining(['USE [sales];', 'USE [hr]]x];']));
      expect(batches.every((b) => b.inputs.name === role.user)).toBe(true);
    }
    const ddl = fake.state.sent.filter((s) => s.text.includes('[hoop_ddl]') && s.text.startsWith('USE'));
    expect(ddl[0]?.text).toContain('ALTER ROLE [db_ddladmin] ADD MEMBER [hoop_ddl];');
    const ro = fake.state.sent.filter((s) => s.text.includes('[hoop_ro]') && s.text.startsWith('USE'));
    expect(ro[0]?.text).not.toMatch(/db_datawriter|db_ddladmin/);
    expect(fake.state.closed, 'one pool for every role, closed once').toBe(1);
  });

  it('only changes the password of an existing login', async () => {
    fake.state.logins.set('hoop_rw', { control_server: 0, server_roles: '' });
    const report = await provision({ engine: 'sqlserver-ee', target, tiers: ['rw'] });
    expect(report.roles[0]).toMatchObject({ status: 'completed', created: false });
    expect(fake.state.sent.some((s) => s.text.startsWith('CREATE LOGIN'))).toBe(false);
    expect(fake.state.sent.some((s) => s.text.startsWith("ALTER LOGIN [hoop_rw] WITH PASSWORD = N'"))).toBe(true);
  });

  it.each([
    [{ control_server: 1, server_roles: '' }, /login "hoop_ro" already exists with CONTROL SERVER; refusing to hand it out as the ro user/],
    [{ control_server: 0, server_roles: 'sysadmin' }, /already exists with server roles sysadmin;/],
    [{ control_server: 0, server_roles: 'dbcreator,processadmin' }, /already exists with server roles dbcreator,processadmin;/],
  ])('refuses an existing login that holds %o', async (login, message) => {
    fake.state.logins.set('hoop_ro', login);
    const report = await provision({ engine: 'sqlserver-web', target, tiers: ['ro'] });
    expect(report.roles[0]?.status).toBe('failed');
    expect(report.roles[0]?.message).toMatch(message);
    expect(fake.state.sent.some((s) => s.text.includes('LOGIN [hoop_ro] WITH PASSWORD'))).toBe(false);
  });

  it('refuses, server side, to re-link a database user that is db_owner or db_securityadmin', async () => {
    await provision({ engine: 'sqlserver-ee', target, tiers: ['ro'] });
    const batch = fake.state.sent.find((s) => s.text.startsWith('USE [sales];'))?.text ?? '';
    const guard = batch.indexOf("IF IS_ROLEMEMBER(N'db_owner', @name) = 1 OR IS_ROLEMEMBER(N'db_securityadmin', @name) = 1");
    expect(guard).toBeGreaterThan(0);
    expect(batch.indexOf('THROW 50001, @refused, 1;')).toBeGreaterThan(guard);
    expect(batch.indexOf('ALTER USER [hoop_ro] WITH LOGIN = [hoop_ro];'), 'the guard runs before the re-link').toBeGreaterThan(batch.indexOf('THROW 50001'));
  });

  it('records a failing database with a redacted message and completes the others', async () => {
    fake.state.failIn.set('hr]x', new Error(`The server principal is not able to access "hr]x"; login admin/${target.password}`));
    const report = await provision({ engine: 'sqlserver-ex', target, tiers: ['ro'] });
    const role = report.roles[0];
    expect(role?.status).toBe('failed');
    expect(role?.databases).toEqual([
      { database: 'hr]x', status: 'failed', message: 'The server principal is not able to access "hr]x"; login admin/REDACTED' },
      { database: 'sales', status: 'completed', message: '' },
    ]);
    expect(role?.message).not.toContain(target.password);
  });

  it('refuses IAM authentication, which SQL Server does not have, before creating anything', async () => {
    const before = fake.state.sent.length;
    const report = await provision({ engine: 'sqlserver-se', target, tiers: ['ro'], auth: 'iam' });
    expect(report.roles[0]?.status).toBe('failed');
    expect(report.roles[0]?.password).toBeUndefined();
    expect(report.roles[0]?.message).toMatch(/SQL Server has no IAM database authentication/);
    expect(fake.state.sent.slice(before).some((s) => /CREATE LOGIN|ALTER LOGIN/.test(s.text))).toBe(false);
  });
});
