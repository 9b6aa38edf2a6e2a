import mssql from 'mssql';
import type { Finding, VerifiedUser, Verifier, VerifySession } from '../../verify.ts';
import type { ConnectionTarget } from '../types.ts';
import { poolConfig, type MssqlDriver } from './index.ts';
import { quoteMssqlIdent as ident } from './quote.ts';
import * as sql from './sql.ts';

/**
 * In one database: each of the users (@ro, @rw, @ddl) that exists there, its role memberships, and
 * the permissions granted to it directly. Three result sets, one round trip.
 */
export function selectDatabaseGrants(database: string): string {
  return [
    `USE ${ident(database)};`,
    `SELECT name FROM sys.database_principals WHERE name IN (@ro, @rw, @ddl);`,
    `SELECT m.name AS member, r.name AS role FROM sys.database_role_members rm`,
    `  JOIN sys.database_principals r ON r.principal_id = rm.role_principal_id`,
    `  JOIN sys.database_principals m ON m.principal_id = rm.member_principal_id`,
    `  WHERE m.name IN (@ro, @rw, @ddl);`,
    `SELECT pr.name AS principal, pe.permission_name AS permission, pe.class_desc AS class,`,
    `  OBJECT_SCHEMA_NAME(pe.major_id) AS schema_name, OBJECT_NAME(pe.major_id) AS object_name`,
    `  FROM sys.database_permissions pe JOIN sys.database_principals pr ON pr.principal_id = pe.grantee_principal_id`,
    `  WHERE pe.state IN (N'G', N'W') AND pr.name IN (@ro, @rw, @ddl);`,
  ].join('\n');
}

type Recordsets = Array<Array<Record<string, unknown>>>;

class SqlServerVerifySession implements VerifySession {
  constructor(
    private readonly pool: mssql.ConnectionPool,
    private readonly driver: MssqlDriver,
  ) {}

  private async query(text: string, inputs: Record<string, string>): Promise<Recordsets> {
    const request = this.pool.request();
    for (const [name, value] of Object.entries(inputs)) request.input(name, this.driver.NVarChar(128), value);
    const result = await request.query(text);
    return (result.recordsets as unknown as Recordsets | undefined) ?? [result.recordset ?? []];
  }

  async listDatabases(): Promise<string[]> {
    const [rows = []] = await this.query(sql.selectDatabases, {});
    return rows.map((r) => String(r.name));
  }

  async inspectUser(user: VerifiedUser): Promise<Finding[]> {
    const base = { user: user.name, tier: user.tier, database: null, object: 'login' } as const;
    const [[login] = []] = await this.query(sql.selectLogin, { name: user.name });
    if (!login) return [{ ...base, kind: 'missing', privilege: 'LOGIN', message: `login ${user.name} does not exist` }];
    const findings: Finding[] = [];
    if (login.control_server === 1) findings.push({ ...base, kind: 'extra', privilege: 'CONTROL SERVER', message: `${user.name} holds CONTROL SERVER, which no tier has` });
    for (const role of String(login.server_roles ?? '').split(',').filter(Boolean)) {
      findings.push({ ...base, kind: 'extra', object: `server role ${role}`, privilege: 'MEMBER', message: `${user.name} is a member of the server role ${role}` });
    }
    return findings;
  }

  async inspectDatabase(database: string, users: ReadonlyArray<VerifiedUser>): Promise<Finding[]> {
    const names = { ro: '', rw: '', ddl: '' };
    for (const u of users) names[u.tier] = u.name;
    const [present = [], memberships = [], permissions = []] = await this.query(selectDatabaseGrants(database), names);
    const findings: Finding[] = [];
    for (const user of users) {
      const at = (kind: Finding['kind'], object: string, privilege: string, message: string): Finding => ({ kind, user: user.name, tier: user.tier, database, object, privilege, message });
      if (!present.some((p) => p.name === user.name)) {
        findings.push(at('missing', 'database', 'USER', `${user.name} has no user in ${database}`));
        continue;
      }
      const roles = memberships.filter((m) => m.member === user.name).map((m) => String(m.role));
      const allowed = sql.TIER_ROLES[user.tier];
      for (const role of allowed.filter((r) => !roles.includes(r))) findings.push(at('missing', `role ${role}`, 'MEMBER', `${user.name} is not a member of ${role} in ${database}`));
      for (const role of roles.filter((r) => !allowed.includes(r))) findings.push(at('extra', `role ${role}`, 'MEMBER', `${user.name} is a member of ${role} in ${database}, beyond the ${user.tier} tier`));
      // CONNECT comes with CREATE USER; anything else granted directly is beyond the tier's roles.
      for (const p of permissions.filter((p) => p.principal === user.name && !(p.permission === 'CONNECT' && p.class === 'DATABASE'))) {
        const object = p.object_name ? `${String(p.schema_name)}.${String(p.object_name)}` : String(p.class).toLowerCase();
        findings.push(at('extra', object, String(p.permission), `${user.name} holds ${String(p.permission)} on ${object} directly, beyond the ${user.tier} tier`));
      }
    }
    return findings;
  }

  async close(): Promise<void> {
    await this.pool.close().catch(() => undefined);
  }
}

const poolFor = (driver: MssqlDriver, target: ConnectionTarget, database: string) => new driver.ConnectionPool(poolConfig(target, database, 1));

/**
 * SQL Server verify, with a driver tests can replace. Its login check logs in only: the action
 * probes of PostgreSQL and MySQL are not written for SQL Server yet.
 */
export function createSqlServerVerifier(driver: MssqlDriver = mssql): Verifier {
  return {
    async connect(target) {
      const pool = poolFor(driver, target, target.database ?? 'master');
      await pool.connect();
      return new SqlServerVerifySession(pool, driver);
    },
    async probeLogin(target, user, database) {
      const pool = poolFor(driver, { ...target, user: user.name, password: user.password }, database);
      try {
        await pool.connect();
        return [];
      } catch (error) {
        return [{ kind: 'login-failed', user: user.name, tier: user.tier, database, object: 'login', privilege: 'LOGIN', message: `${user.name} cannot log in to ${database}: ${(error as Error).message}` }];
      } finally {
        await pool.close().catch(() => undefined);
      }
    },
  };
}
