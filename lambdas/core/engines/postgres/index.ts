import pg from 'pg';
import pLimit from 'p-limit';
import { DbrolesError } from '../../errors.ts';
import { StatementRecorder, toScript, type Statement } from '../statement.ts';
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
import { DatabaseConnectionPool } from './pool.ts';
import { scramSha256Verifier } from './scram.ts';
import * as sql from './sql.ts';

/** SQLSTATE 01007: GRANT found objects the master holds no grant option on, and skipped them. */
const PRIVILEGE_NOT_GRANTED = '01007';

/** One pg client that counts what it sends and collects "privilege not granted" warnings. */
export class PgConnection {
  private notGranted: string[] = [];

  private constructor(
    private readonly client: pg.Client,
    private readonly stats: SqlStats | undefined,
  ) {
    client.on('notice', (notice) => {
      if (notice.code === PRIVILEGE_NOT_GRANTED) this.notGranted.push(notice.message ?? '');
    });
    // An idle client whose server goes away emits 'error'; without a listener that crashes the process.
    client.on('error', () => undefined);
  }

  static async open(target: ConnectionTarget, database: string, stats?: SqlStats): Promise<PgConnection> {
    const client = new pg.Client({
      host: target.host,
      port: target.port,
      user: target.user,
      password: target.password,
      database,
      ssl: target.tls ? { ca: target.tls.ca, rejectUnauthorized: target.tls.rejectUnauthorized ?? true } : false,
      connectionTimeoutMillis: (target.connectTimeoutSeconds ?? 10) * 1000,
      statement_timeout: 120_000,
      application_name: 'dbroles',
    });
    if (stats) stats.connections += 1;
    await client.connect();
    return new PgConnection(client, stats);
  }

  async query<R extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
    if (this.stats) this.stats.statements += 1;
    return (await this.client.query<R>(text, params)).rows;
  }

  /**
   * Sends the statements as one simple-protocol script: one round trip. When one fails inside
   * BEGIN…COMMIT, the transaction is rolled back, so the connection (the session's shared admin
   * one) stays usable for the other roles instead of answering 25P02 to everything.
   */
  async run(statements: ReadonlyArray<Statement>): Promise<void> {
    if (this.stats) this.stats.statements += statements.length;
    try {
      await this.client.query(toScript(statements));
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      if (!statements.some((s) => s.secret)) throw error;
      // The server's message can quote the statement; a secret statement's text must not travel.
      const code = (error as { code?: string }).code ?? 'unknown';
      throw new DbrolesError(`${(error as Error).message.split('\n')[0]} (SQLSTATE ${code})`);
    }
  }

  /** The "privilege not granted" warnings since the last call. */
  takeNotGranted(): string[] {
    const taken = this.notGranted;
    this.notGranted = [];
    return taken;
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

/**
 * Grant connections one session may open: the caller's concurrency, and never more than its share
 * (with the other sessions of the same job) of the slots the server has free now.
 */
export function connectionCap(target: Pick<ConnectionTarget, 'maxConnections' | 'sessionsSharing'>, freeSlots: number): number {
  const share = Math.floor(freeSlots / Math.max(1, target.sessionsSharing ?? 1));
  return Math.max(1, Math.min(target.maxConnections ?? 4, share));
}

interface MasterInfo {
  readonly name: string;
  readonly superuser: boolean;
}

/** The cached read of a key, made once; a failed read is forgotten, so the next caller tries again. */
/** What sql.selectDatabaseCatalogs returns: the schemas, the peer roles, the schemas where PUBLIC may CREATE. */
interface DatabaseCatalogs {
  schemas: Array<{ name: string; grantable: boolean }>;
  peers: Array<{ name: string; member: boolean }>;
  public_create: string[];
  /** Absent when every peer was created by this run. */
  held?: sql.HeldPrivilegeRows;
}

function cachedRead<T>(cache: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> {
  let pending = cache.get(key);
  if (!pending) {
    pending = read();
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
  }
  return pending;
}

class PostgresSession implements ProvisionerSession {
  /** Grant connections, bounded: reused across roles, closed when their database is done. */
  readonly pool: DatabaseConnectionPool<PgConnection>;
  /** The roles share the admin connection; pg wants one query at a time per client. */
  private readonly adminLock = pLimit(1);
  /**
   * What the roles of this run read of each database's catalogs, read once by the first role there:
   * the schemas and the peer roles do not change while dbroles grants. Dropped with the database.
   */
  private readonly catalogs = new Map<string, Promise<DatabaseCatalogs>>();
  /** Users this session created: they hold nothing yet anywhere, so their grants need no ACL read. */
  private readonly createdThisRun = new Set<string>();

  constructor(
    private readonly admin: PgConnection,
    target: ConnectionTarget,
    readonly server: ServerInfo,
    private readonly master: MasterInfo,
    stats: SqlStats | undefined,
    maxConnections: number,
    /** Set for a dry run: writes are recorded here, never sent. */
    private readonly recorder?: StatementRecorder,
  ) {
    this.pool = new DatabaseConnectionPool(maxConnections, (database) => PgConnection.open(target, database, stats));
  }

  planned(): ReadonlyArray<PlannedStatement> {
    return this.recorder?.planned() ?? [];
  }

  /** Sends the statements as one script, or, in a dry run, records them for `user` in `database`. */
  private async write(conn: PgConnection, user: string, database: string | null, statements: Statement[], secrets: string[] = []): Promise<void> {
    if (this.recorder) this.recorder.record(user, database, statements, secrets);
    else await conn.run(statements);
  }

  async listDatabases(): Promise<string[]> {
    return this.adminLock(async () => (await this.admin.query<{ datname: string }>(sql.selectDatabases)).map((r) => r.datname));
  }

  async ensureUser(user: RoleUser): Promise<EnsureUserResult> {
    return this.adminLock(() => this.ensureUserNow(user));
  }

  private async ensureUserNow(user: RoleUser): Promise<EnsureUserResult> {
    const [existing] = await this.admin.query<Record<string, boolean>>(sql.selectRoleAttributes, [user.name]);
    if (existing) {
      const excess = Object.entries(existing).filter(([, on]) => on).map(([attr]) => attr.replace(/^rol/, '').toUpperCase());
      if (excess.length > 0) {
        throw new DbrolesError(
          `role "${user.name}" already exists with ${excess.join(', ')}; refusing to hand it out as the ${user.tier} user: remove the attribute or choose another --prefix`,
        );
      }
      const memberships = await this.admin.query<{ role: string; why: string }>(sql.selectForbiddenMemberships, [user.name]);
      if (memberships.length > 0) {
        const list = memberships.map((m) => `"${m.role}" (${m.why})`).join(', ');
        throw new DbrolesError(
          `role "${user.name}" already exists as a member of ${list}; refusing to hand it out as the ${user.tier} user: REVOKE that membership or choose another --prefix`,
        );
      }
    }
    const iam = user.auth === 'iam';
    if (iam) {
      const [role] = await this.admin.query<{ grantable: boolean }>(sql.selectIamRoleExists);
      if (!role) throw new DbrolesError(`IAM authentication needs the role ${sql.IAM_ROLE}, which RDS PostgreSQL has and this server does not`);
    }
    const verifier = iam ? '' : scramSha256Verifier(user.password);
    const statements: Statement[] = [{ text: 'BEGIN' }];
    if (iam) statements.push(existing ? sql.removePassword(user.name) : sql.createIamUser(user.name), sql.grantIamLogin(user.name));
    else if (!existing) statements.push(sql.createUser(user.name, verifier));
    else if (!user.keepPassword) statements.push(sql.changePassword(user.name, verifier));
    // A plan marks what the user already has; a real run sends both again (cheap, and idempotent).
    const [settings] = this.recorder && existing ? await this.admin.query<{ read_only_default: boolean; master_member: boolean }>(sql.selectUserSettings, [user.name, this.master.name]) : [];
    if (user.tier === 'ro') statements.push({ ...sql.makeReadOnlyByDefault(user.name), alreadyHeld: settings?.read_only_default });
    if (user.tier === 'ddl' && !this.master.superuser) statements.push({ ...sql.grantMembershipToMaster(user.name, this.master.name), alreadyHeld: settings?.master_member });
    statements.push({ text: 'COMMIT' });
    await this.write(this.admin, user.name, null, statements, verifier ? [verifier] : []);
    if (!existing) this.createdThisRun.add(user.name);
    return { created: !existing };
  }

  async changeOwnPassword(newPassword: string): Promise<void> {
    const verifier = scramSha256Verifier(newPassword);
    await this.adminLock(() => this.write(this.admin, this.master.name, null, [sql.changeOwnPassword(verifier)], [verifier]));
  }

  async grantInDatabase(database: string, user: RoleUser): Promise<GrantResult> {
    const conn = await this.pool.acquire(database);
    let reusable = false;
    try {
      const { schemas, peers, public_create, held } = await cachedRead(this.catalogs, database, async () => {
        const peerNames = Object.values(user.peers);
        const fresh = peerNames.every((name) => this.createdThisRun.has(name));
        const [row] = await conn.query<DatabaseCatalogs>(fresh ? sql.selectDatabaseCatalogsOfNewUsers : sql.selectDatabaseCatalogs, [peerNames]);
        if (!row) throw new Error(`no catalog row from database "${database}"`);
        return row;
      });
      // In a dry run a user the run would create is not in the catalogs: count it as it would be.
      const peer = (tier: 'ro' | 'rw' | 'ddl') =>
        peers.find((p) => p.name === user.peers[tier]) ?? (this.recorder && this.createdThisRun.has(user.peers[tier]) ? { name: user.peers[tier], member: true } : undefined);
      const ddl = peer('ddl');
      const ddlUsable = ddl !== undefined && (ddl.member || this.master.superuser);
      const creators = [this.master.name];
      if (user.tier !== 'ddl' && ddlUsable) creators.push(user.peers.ddl);
      const readersOfDdlObjects =
        user.tier === 'ddl'
          ? (['ro', 'rw'] as const).filter((t) => peer(t) !== undefined).map((t) => ({ tier: t, user: user.peers[t] }))
          : [];
      const statements = sql.grantsInDatabase({
        database,
        tier: user.tier,
        user: user.name,
        schemas: schemas.filter((s) => s.grantable).map((s) => s.name),
        creators,
        readersOfDdlObjects,
      }, held ? sql.HeldPrivileges.read(held) : sql.HeldPrivileges.none());
      const hardening = user.hardenPublicSchema && schemas.some((s) => s.name === 'public' && s.grantable) ? [sql.revokePublicCreate] : [];
      // What the catalogs show held is not granted again: a rerun on an unchanged database writes
      // nothing. Read before this run's grants, so it can only ask for more, never skip one.
      const needed = [...hardening, ...statements.filter((s) => !s.alreadyHeld)];
      // One round trip: the lock, the grants and the commit.
      if (this.recorder) this.recorder.record(user.name, database, [...hardening, ...statements]);
      else if (needed.length > 0) await conn.run([...sql.beginLocked(), ...needed, { text: 'COMMIT' }]);
      reusable = true;
      // Read before the first grant: the schema this run's hardening closed no longer counts.
      const publicCreate = public_create.filter((schema) => !(hardening.length > 0 && schema === 'public'));
      const warnings = schemas
        .filter((s) => !s.grantable)
        .map((s) => `schema "${s.name}" skipped: its owner is a role the master is not a member of`);
      for (const schema of publicCreate) {
        warnings.push(`PUBLIC may CREATE in schema "${schema}", so ${user.name} can create objects there: run with harden_public_schema (--harden-public-schema) or REVOKE CREATE ON SCHEMA ${schema} FROM PUBLIC`);
      }
      const notGranted = conn.takeNotGranted();
      if (notGranted.length > 0) {
        warnings.push(`${notGranted.length} object(s) not granted: owned by roles the master is not a member of`);
      }
      return { warnings };
    } finally {
      // A connection whose transaction failed is dropped rather than rolled back and reused.
      await this.pool.release(database, conn, reusable);
    }
  }

  doneWith(database: string): Promise<void> {
    this.catalogs.delete(database);
    return this.pool.doneWith(database);
  }

  async close(): Promise<void> {
    await Promise.all([this.admin.close(), this.pool.closeAll()]);
  }
}

/** PostgreSQL and Aurora PostgreSQL. Works with a non-superuser master that has CREATEROLE (as on RDS). */
export const postgresProvisioner = {
  family: 'postgres',
  // Only 28P01 invalid_password (also what PostgreSQL answers for an unknown role). 28000 is a
  // pg_hba refusal (no encryption, a host not allowed): never a reason to reset a password.
  isAuthenticationError: (error: unknown) => (error as { code?: string }).code === '28P01',
  async connect(target: ConnectionTarget, stats?: SqlStats, options: SessionOptions = {}): Promise<ProvisionerSession> {
    const database = target.database ?? 'postgres';
    const admin = await PgConnection.open(target, database, stats);
    try {
      const [info] = await admin.query<{ version: string; current_user: string; is_superuser: boolean }>(sql.selectServerInfo);
      if (!info) throw new DbrolesError('PostgreSQL returned no server information');
      const [slots] = await admin.query<{ free: number }>(sql.selectFreeConnectionSlots);
      return new PostgresSession(
        admin,
        target,
        { version: info.version, flavor: 'postgres', defaultDatabase: database },
        { name: info.current_user, superuser: info.is_superuser },
        stats,
        connectionCap(target, Number(slots?.free ?? 1)),
        options.dryRun ? new StatementRecorder() : undefined,
      );
    } catch (error) {
      await admin.close();
      throw error;
    }
  },
} satisfies RoleProvisioner;
