import mysql from 'mysql2/promise';
import { DbrolesError } from '../../errors.ts';
import { StatementRecorder, type Statement } from '../statement.ts';
import type {
  ConnectionTarget,
  EnsureUserResult,
  GrantResult,
  PlannedStatement,
  ProvisionerSession,
  RoleProvisioner,
  RoleUser,
  ServerInfo,
  SessionOptions,
  SqlStats,
} from '../types.ts';
import * as sql from './sql.ts';

/** User-name limits: MySQL 5.7+ takes 32 characters, MariaDB 80. */
const MAX_USER_LENGTH = { mysql: 32, mariadb: 80 } as const;

class MysqlSession implements ProvisionerSession {
  constructor(
    private readonly conn: mysql.Connection,
    readonly server: ServerInfo & { flavor: 'mysql' | 'mariadb' },
    private readonly escapeWildcards: boolean,
    private readonly stats: SqlStats | undefined,
    /** Set for a dry run: writes are recorded here, never sent. */
    private readonly recorder?: StatementRecorder,
  ) {}

  planned(): ReadonlyArray<PlannedStatement> {
    return this.recorder?.planned() ?? [];
  }

  /** Sends a writing statement, or, in a dry run, records it for `user` in `database`. */
  private async write(user: string, database: string | null, statement: Statement, secrets: string[] = []): Promise<void> {
    if (this.recorder) this.recorder.record(user, database, [statement], secrets);
    else await this.exec(statement);
  }

  private async exec(statement: Statement): Promise<mysql.ResultSetHeader> {
    if (this.stats) this.stats.statements += 1;
    try {
      const [result] = await this.conn.query<mysql.ResultSetHeader>(statement.text);
      return result;
    } catch (error) {
      if (!statement.secret) throw error;
      const e = error as { code?: string; errno?: number; sqlMessage?: string };
      // mysql2 copies the SQL into `error.sql`; rebuild the error so the statement cannot travel.
      throw new DbrolesError(`${e.sqlMessage ?? 'statement failed'} (${e.code ?? 'error'} ${e.errno ?? ''})`.trim());
    }
  }

  async listDatabases(): Promise<string[]> {
    if (this.stats) this.stats.statements += 1;
    const [rows] = await this.conn.query<mysql.RowDataPacket[]>(sql.selectDatabases);
    return rows.map((r) => String(r.name));
  }

  async ensureUser(user: RoleUser): Promise<EnsureUserResult> {
    const max = MAX_USER_LENGTH[this.server.flavor];
    if (user.name.length > max) {
      throw new DbrolesError(`user name "${user.name}" is longer than ${this.server.flavor}'s limit of ${max} characters: choose a shorter --prefix`);
    }
    if (this.stats) this.stats.statements += 1;
    const [[row]] = await this.conn.query<mysql.RowDataPacket[]>(sql.selectAccountExists, [user.name]);
    const existed = Number(row?.n ?? 0) > 0;
    if (existed) await this.refuseOverPowered(user);
    if (user.auth === 'iam') {
      await this.write(user.name, null, sql.iamUser(user.name, existed));
      return { created: !existed };
    }
    await this.write(user.name, null, { ...sql.createUserIfMissing(user.name, user.password), alreadyHeld: existed }, [user.password]);
    if (existed && !user.keepPassword) await this.write(user.name, null, sql.changePassword(user.name, user.password), [user.password]);
    return { created: !existed };
  }

  /**
   * Refuses to hand out an existing account that holds more than a tier can: a global privilege
   * beyond USAGE, anything on a system schema, GRANT OPTION, PROXY, or a role that does.
   */
  private async refuseOverPowered(user: RoleUser): Promise<void> {
    const seen = new Set<string>();
    const check = async (name: string, host: string | null, via: string): Promise<void> => {
      const key = `${name}@${host ?? ''}`;
      if (seen.has(key) || seen.size > 20) return;
      seen.add(key);
      if (this.stats) this.stats.statements += 1;
      const [rows] = await this.conn.query<mysql.RowDataPacket[]>(sql.showGrants(name, host));
      for (const row of rows) {
        const { excess, roles } = sql.readGrantLine(String(Object.values(row)[0] ?? ''));
        if (excess) {
          throw new DbrolesError(
            `user '${user.name}'@'%' already exists with ${excess}${via}; refusing to hand it out as the ${user.tier} user: revoke it, or choose another --prefix`,
          );
        }
        for (const role of roles) await check(role.name, role.host, ` through its role '${role.name}'`);
      }
    };
    await check(user.name, '%', '');
  }

  async changeOwnPassword(newPassword: string): Promise<void> {
    if (this.stats) this.stats.statements += 1;
    const [[row]] = await this.conn.query<mysql.RowDataPacket[]>(sql.selectCurrentAccount);
    const account = String(row?.account ?? '');
    const at = account.lastIndexOf('@');
    if (at < 0) throw new DbrolesError(`cannot tell the master's account from CURRENT_USER() = "${account}"`);
    await this.write(account.slice(0, at), null, sql.changeOwnPassword(account.slice(0, at), account.slice(at + 1), newPassword), [newPassword]);
  }

  async grantInDatabase(database: string, user: RoleUser): Promise<GrantResult> {
    const grant = sql.grantOnDatabase(user.tier, database, user.name, this.escapeWildcards);
    if (this.recorder) {
      // A plan tells a grant already held from a new one; a real run just sends it (GRANT is idempotent here).
      if (this.stats) this.stats.statements += 1;
      const [rows] = await this.conn.query<mysql.RowDataPacket[]>(sql.selectDatabasePrivileges, [sql.grantee(user.name), database, database.replace(/[_%]/g, '\\$&')]);
      const held = sql.holdsTier(user.tier, rows.map((r) => String(r.privilege)));
      this.recorder.record(user.name, database, [{ ...grant, alreadyHeld: held }]);
    } else {
      await this.exec(grant);
    }
    return { warnings: [] };
  }

  async close(): Promise<void> {
    await this.conn.end().catch(() => undefined);
  }
}

/** How dbroles reaches MySQL or MariaDB as `target.user`: TLS checked when asked, one statement per query. */
export function connectionOptions(target: ConnectionTarget, database: string | undefined): mysql.ConnectionOptions {
  return {
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database,
    ssl: target.tls ? { ca: target.tls.ca, rejectUnauthorized: target.tls.rejectUnauthorized ?? true } : undefined,
    connectTimeout: (target.connectTimeoutSeconds ?? 10) * 1000,
    multipleStatements: false,
  };
}

/** MySQL, Aurora MySQL and MariaDB. Works with a master without SUPER that holds its grants WITH GRANT OPTION. */
export const mysqlProvisioner = {
  family: 'mysql',
  // 1045 ER_ACCESS_DENIED_ERROR, 1698 ER_ACCESS_DENIED_NO_PASSWORD_ERROR.
  isAuthenticationError: (error: unknown) => [1045, 1698].includes((error as { errno?: number }).errno ?? 0),
  async connect(target: ConnectionTarget, stats?: SqlStats, options: SessionOptions = {}): Promise<ProvisionerSession> {
    if (stats) stats.connections += 1;
    const conn = await mysql.createConnection(connectionOptions(target, target.database));
    try {
      if (stats) stats.statements += 2;
      const [[info]] = await conn.query<mysql.RowDataPacket[]>(sql.selectServerInfo);
      const version = String(info?.version ?? '');
      // Tell MariaDB from MySQL by what the server says, not by the RDS engine name.
      const flavor = /mariadb/i.test(version) ? 'mariadb' : 'mysql';
      const [partial] = await conn.query<mysql.RowDataPacket[]>(sql.selectPartialRevokes);
      const partialRevokes = String(partial[0]?.Value ?? 'OFF').toUpperCase() === 'ON';
      return new MysqlSession(conn, { version, flavor, defaultDatabase: target.database ?? '' }, !partialRevokes, stats, options.dryRun ? new StatementRecorder() : undefined);
    } catch (error) {
      await conn.end().catch(() => undefined);
      throw error;
    }
  },
} satisfies RoleProvisioner;
