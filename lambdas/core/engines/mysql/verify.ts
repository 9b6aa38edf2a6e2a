import mysql from 'mysql2/promise';
import type { Finding, VerifiedUser, Verifier, VerifySession } from '../../verify.ts';
import type { ConnectionTarget } from '../types.ts';
import { quoteMysqlIdent as ident } from './quote.ts';
import { connectionOptions } from './index.ts';
import * as sql from './sql.ts';

const connect = (target: ConnectionTarget, database?: string) => mysql.createConnection(connectionOptions(target, database));

class MysqlVerifySession implements VerifySession {
  constructor(private readonly conn: mysql.Connection) {}

  async listDatabases(): Promise<string[]> {
    const [rows] = await this.conn.query<mysql.RowDataPacket[]>(sql.selectDatabases);
    return rows.map((r) => String(r.name));
  }

  async inspectUser(user: VerifiedUser): Promise<Finding[]> {
    const base = { user: user.name, tier: user.tier, database: null, object: 'user' } as const;
    const [[row]] = await this.conn.query<mysql.RowDataPacket[]>(sql.selectAccountExists, [user.name]);
    if (Number(row?.n ?? 0) === 0) return [{ ...base, kind: 'missing', privilege: 'LOGIN', message: `user '${user.name}'@'%' does not exist` }];
    const findings: Finding[] = [];
    const [lines] = await this.conn.query<mysql.RowDataPacket[]>(sql.showGrants(user.name));
    for (const line of lines) {
      const { excess, roles } = sql.readGrantLine(String(Object.values(line)[0] ?? ''));
      if (excess) findings.push({ ...base, kind: 'extra', privilege: excess, message: `'${user.name}'@'%' holds ${excess}, which no tier has` });
      for (const role of roles) findings.push({ ...base, kind: 'extra', object: `role ${role.name}`, privilege: 'MEMBER', message: `'${user.name}'@'%' has the role ${role.name}, which dbroles never grants` });
    }
    return findings;
  }

  async inspectDatabase(database: string, users: ReadonlyArray<VerifiedUser>): Promise<Finding[]> {
    const findings: Finding[] = [];
    for (const user of users) {
      const [rows] = await this.conn.query<mysql.RowDataPacket[]>(sql.selectDatabasePrivileges, [sql.grantee(user.name), database, database.replace(/[_%]/g, '\\$&')]);
      const held = rows.map((r) => String(r.privilege));
      const allowed = sql.DATABASE_PRIVILEGES[user.tier].split(', ');
      const at = (kind: Finding['kind'], privilege: string, message: string): Finding => ({ kind, user: user.name, tier: user.tier, database, object: 'database', privilege, message });
      for (const p of allowed.filter((p) => !held.includes(p))) findings.push(at('missing', p, `'${user.name}'@'%' lacks ${p} on ${database}.*`));
      for (const p of held.filter((p) => !allowed.includes(p))) findings.push(at('extra', p, `'${user.name}'@'%' holds ${p} on ${database}.*, beyond the ${user.tier} tier`));
    }
    return findings;
  }

  async close(): Promise<void> {
    await this.conn.end().catch(() => undefined);
  }
}

export const mysqlVerifier: Verifier = {
  async connect(target) {
    return new MysqlVerifySession(await connect(target));
  },

  async probeLogin(target, user, database) {
    const at = (kind: Finding['kind'], privilege: string, message: string): Finding => ({ kind, user: user.name, tier: user.tier, database, object: 'login', privilege, message });
    let conn: mysql.Connection;
    try {
      conn = await connect({ ...target, user: user.name, password: user.password }, database);
    } catch (error) {
      return [at('login-failed', 'LOGIN', `${user.name} cannot log in to ${database}: ${(error as Error).message}`)];
    }
    try {
      const [[first]] = await conn.query<mysql.RowDataPacket[]>(
        "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1 LIMIT 1",
        [database],
      );
      const table = first ? `${ident(database)}.${ident(String(first.name))}` : undefined;
      // Statements that change nothing even when allowed: no DDL (MySQL commits it), no row written.
      const read = table && `SELECT * FROM ${table} LIMIT 0`;
      const write = table && `INSERT INTO ${table} SELECT * FROM ${table} WHERE 1 = 0`;
      const system = 'SELECT * FROM mysql.user LIMIT 0';
      const [allowed, refused] = user.tier === 'ro' ? [read, write ?? system] : [write, system];
      const attempt = async (statement: string): Promise<{ ok: boolean; message: string }> => {
        try {
          await conn.query('START TRANSACTION');
          await conn.query(statement);
          return { ok: true, message: '' };
        } catch (error) {
          return { ok: false, message: (error as Error).message };
        } finally {
          await conn.query('ROLLBACK').catch(() => undefined);
        }
      };
      const findings: Finding[] = [];
      if (allowed) {
        const result = await attempt(allowed);
        if (!result.ok) findings.push(at('missing', allowed, `${user.name} logged in but was refused: ${result.message}`));
      }
      if (refused && (await attempt(refused)).ok) findings.push(at('extra', refused, `${user.name} was allowed what the ${user.tier} tier must not do (rolled back)`));
      return findings;
    } finally {
      await conn.end().catch(() => undefined);
    }
  },
};
