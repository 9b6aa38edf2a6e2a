import mssql from 'mssql';
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

/** The part of the `mssql` module dbroles uses; tests pass a fake (SQL Server cannot run here). */
export interface MssqlDriver {
  ConnectionPool: new (config: mssql.config) => mssql.ConnectionPool;
  NVarChar: typeof mssql.NVarChar;
}

class SqlServerSession implements ProvisionerSession {
  constructor(
    private readonly pool: mssql.ConnectionPool,
    private readonly driver: MssqlDriver,
    readonly server: ServerInfo,
    private readonly stats: SqlStats | undefined,
    private readonly master: { readonly user: string; readonly password: string },
    /** Set for a dry run: writes are recorded here, never sent. */
    private readonly recorder?: StatementRecorder,
  ) {}

  planned(): ReadonlyArray<PlannedStatement> {
    return this.recorder?.planned() ?? [];
  }

  /** Sends a writing statement, or, in a dry run, records it for `user` in `database`. */
  private async write(user: string, database: string | null, statement: Statement, name?: string, secrets: string[] = []): Promise<void> {
    if (this.recorder) this.recorder.record(user, database, [statement], secrets);
    else await this.exec(statement, name);
  }

  private async exec(statement: Statement, name?: string): Promise<mssql.IRecordSet<Record<string, unknown>>> {
    if (this.stats) this.stats.statements += 1;
    const request = this.pool.request();
    if (name !== undefined) request.input('name', this.driver.NVarChar(128), name);
    try {
      const result = await request.query<Record<string, unknown>>(statement.text);
      return result.recordset ?? [];
    } catch (error) {
      if (!statement.secret) throw error;
      const e = error as { number?: number; message?: string };
      throw new DbrolesError(`${(e.message ?? 'statement failed').split('\n')[0]} (error ${e.number ?? 'unknown'})`);
    }
  }

  async listDatabases(): Promise<string[]> {
    return (await this.exec({ text: sql.selectDatabases })).map((r) => String(r.name));
  }

  async ensureUser(user: RoleUser): Promise<EnsureUserResult> {
    if (user.auth === 'iam') throw new DbrolesError('SQL Server has no IAM database authentication: provision its users with passwords (auth "password")');
    const [login] = await this.exec({ text: sql.selectLogin }, user.name);
    const excess = [login?.control_server === 1 ? 'CONTROL SERVER' : '', login?.server_roles ? `server roles ${String(login.server_roles)}` : ''].filter(Boolean);
    if (login && excess.length > 0) {
      throw new DbrolesError(
        `login "${user.name}" already exists with ${excess.join(' and ')}; refusing to hand it out as the ${user.tier} user: revoke them or choose another --prefix`,
      );
    }
    if (!login) await this.write(user.name, null, sql.createLogin(user.name, user.password), undefined, [user.password]);
    else if (!user.keepPassword) await this.write(user.name, null, sql.changePassword(user.name, user.password), undefined, [user.password]);
    return { created: !login };
  }

  async changeOwnPassword(newPassword: string): Promise<void> {
    await this.write(this.master.user, null, sql.changeOwnPassword(this.master.user, this.master.password, newPassword), undefined, [this.master.password, newPassword]);
  }

  async grantInDatabase(database: string, user: RoleUser): Promise<GrantResult> {
    await this.write(user.name, database, sql.userInDatabase(database, user.name, user.tier), user.name);
    return { warnings: [] };
  }

  async close(): Promise<void> {
    await this.pool.close().catch(() => undefined);
  }
}

/** How dbroles reaches SQL Server: TLS always (the certificate checked unless a test says otherwise), `max` connections. */
export function poolConfig(target: ConnectionTarget, database: string, max: number): mssql.config {
  return {
    server: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database,
    connectionTimeout: (target.connectTimeoutSeconds ?? 10) * 1000,
    requestTimeout: 120_000,
    pool: { min: 0, max },
    options: {
      encrypt: true,
      trustServerCertificate: target.tls?.rejectUnauthorized === false,
      ...(target.tls?.ca ? { cryptoCredentialsDetails: { ca: target.tls.ca } } : {}),
      appName: 'dbroles',
    },
  };
}

/** SQL Server (RDS sqlserver-ee, -se, -ex, -web), with a driver that tests can replace. */
export function createSqlServerProvisioner(driver: MssqlDriver = mssql) {
  return {
    family: 'sqlserver',
    // Error 18456 "Login failed for user"; the mssql driver reports it as ConnectionError ELOGIN.
    isAuthenticationError: (error: unknown) =>
      (error as { code?: string }).code === 'ELOGIN' || (error as { number?: number }).number === 18456,
    async connect(target: ConnectionTarget, stats?: SqlStats, options: SessionOptions = {}): Promise<ProvisionerSession> {
      const database = target.database ?? 'master';
      const pool = new driver.ConnectionPool(poolConfig(target, database, 4));
      if (stats) stats.connections += 1;
      await pool.connect();
      try {
        if (stats) stats.statements += 1;
        const info = await pool.request().query<{ version: string }>(sql.selectServerInfo);
        const version = String(info.recordset?.[0]?.version ?? '');
        return new SqlServerSession(pool, driver, { version, flavor: 'sqlserver', defaultDatabase: database }, stats, {
          user: target.user,
          password: target.password,
        }, options.dryRun ? new StatementRecorder() : undefined);
      } catch (error) {
        await pool.close().catch(() => undefined);
        throw error;
      }
    },
  } satisfies RoleProvisioner;
}

export const sqlServerProvisioner = createSqlServerProvisioner();
