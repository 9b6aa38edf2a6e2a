import { DbrolesError, UsageError } from '../errors.ts';
/** The three tiers every database gets, in the seed's order. */
export const ROLE_TIERS = ['ro', 'rw', 'ddl'] as const;
export type RoleTier = (typeof ROLE_TIERS)[number];

/** RDS engine names dbroles accepts, mapped to the family whose SQL serves them. */
export const ENGINE_FAMILIES = {
  postgres: 'postgres',
  'aurora-postgresql': 'postgres',
  mysql: 'mysql',
  'aurora-mysql': 'mysql',
  mariadb: 'mysql',
  'sqlserver-ee': 'sqlserver',
  'sqlserver-se': 'sqlserver',
  'sqlserver-ex': 'sqlserver',
  'sqlserver-web': 'sqlserver',
  sqlserver: 'sqlserver',
} as const;
export type EngineName = keyof typeof ENGINE_FAMILIES;
export type EngineFamily = (typeof ENGINE_FAMILIES)[EngineName];
export const ENGINE_FAMILY_NAMES = ['postgres', 'mysql', 'sqlserver'] as const satisfies readonly EngineFamily[];

/** Default ports per family, for a target given without one. */
export const DEFAULT_PORTS: Record<EngineFamily, number> = { postgres: 5432, mysql: 3306, sqlserver: 1433 };

export function isEngineName(engine: string): engine is EngineName {
  return Object.hasOwn(ENGINE_FAMILIES, engine);
}

/** The family of an RDS engine name; throws UsageError naming the supported ones. */
export function engineFamily(engine: string): EngineFamily {
  if (!isEngineName(engine)) {
    throw new UsageError(`engine "${engine}" is not supported; use one of: ${Object.keys(ENGINE_FAMILIES).join(', ')}`);
  }
  return ENGINE_FAMILIES[engine];
}

/** Where and as whom to connect. `password` is the master password: it never leaves core unredacted. */
export interface ConnectionTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** The database to open first (Postgres `postgres`, MySQL none, SQL Server `master` by default). */
  readonly database?: string;
  /** Connect with TLS. `rejectUnauthorized` stays true unless a test says otherwise. */
  readonly tls?: { readonly ca?: string; readonly rejectUnauthorized?: boolean };
  /** Seconds to wait for a connection. */
  readonly connectTimeoutSeconds?: number;
  /** Connections one session may open besides its admin one. @default 4 */
  readonly maxConnections?: number;
  /** Sessions of the same job working on the server at once (one per tier in the workflow), sharing its free slots. @default 1 */
  readonly sessionsSharing?: number;
}

/** One provisioned database user: its tier, its name and its new password (a secret). */
export interface RoleUser {
  readonly tier: RoleTier;
  readonly name: string;
  readonly password: string;
  /**
   * An existing user keeps its password: `password` is the one it already has (stored and seen to
   * log in), used only when the user must be created. @default false
   */
  readonly keepPassword?: boolean;
  /**
   * `iam`: the user logs in with an IAM token, never a password (RDS): PostgreSQL `rds_iam`, MySQL
   * `AWSAuthenticationPlugin`; `password` is then unused and any password the user had is removed.
   * SQL Server has no such login. @default password
   */
  readonly auth?: 'password' | 'iam';
  /** PostgreSQL: revoke CREATE on schema `public` from PUBLIC in each database (opt-in: it changes it for every user). @default false */
  readonly hardenPublicSchema?: boolean;
  /** The user names of all three tiers, so grants can reach the peers (default privileges). */
  readonly peers: Readonly<Record<RoleTier, string>>;
}

/** Counters a benchmark or a test can read: SQL statements sent and connections opened. */
export interface SqlStats {
  statements: number;
  connections: number;
}

/**
 * One statement a dry run would have sent: whose it is (the user it creates or grants to), where
 * (null: the server, not one database), its SQL with every password shown as REDACTED, and whether
 * the catalogs show it already held (a rerun skips it; a plan shows it as a no-op).
 */
export interface PlannedStatement {
  readonly user: string;
  readonly database: string | null;
  readonly sql: string;
  readonly alreadyHeld: boolean;
}

/** How a session works. */
export interface SessionOptions {
  /**
   * Read the catalogs as the master, but send no writing statement: record each in `planned()`
   * instead. @default false
   */
  readonly dryRun?: boolean;
}

/** What an engine tells about the server it reached. */
export interface ServerInfo {
  readonly version: string;
  /** `mariadb` or `mysql` for the MySQL family, told apart by the version string; else the family. */
  readonly flavor: 'postgres' | 'mysql' | 'mariadb' | 'sqlserver';
  /** The database written into the provisioned users' credentials. */
  readonly defaultDatabase: string;
}

/** Result of `ensureUser`. */
export interface EnsureUserResult {
  /** true when the user did not exist and was created; false when only its password changed. */
  readonly created: boolean;
}

/** Result of `grantInDatabase`: notes worth showing, such as objects the master could not grant on. */
export interface GrantResult {
  readonly warnings: ReadonlyArray<string>;
}

/**
 * An admin session on one database server. Methods throw on failure with the driver's message; the
 * caller (core/provision.ts) records the failure per database and redacts every secret.
 */
export interface ProvisionerSession {
  readonly server: ServerInfo;
  /**
   * The databases to provision: every connectable application database, system ones excluded.
   * Sorted by name.
   */
  listDatabases(): Promise<string[]>;
  /**
   * Creates the user when missing, otherwise only changes its password (unless `keepPassword`). Never drops a user and
   * never removes a grant. Safe to rerun. Refuses a pre-existing user that holds more power than
   * its tier can have (for example a SUPERUSER `hoop_ro`).
   */
  ensureUser(user: RoleUser): Promise<EnsureUserResult>;
  /**
   * Grants the tier's privileges in one database: existing objects and, where the engine has it,
   * objects created later. Only adds privileges. Idempotent.
   */
  grantInDatabase(database: string, user: RoleUser): Promise<GrantResult>;
  /**
   * Changes the connected master's own password (a database given directly, where no RDS can).
   * The statement carries the new password (or its verifier) and is never logged.
   */
  changeOwnPassword(newPassword: string): Promise<void>;
  /** No more work in this database: connections kept for it may be closed now. */
  doneWith?(database: string): Promise<void>;
  /** A dry run's recorded statements, in the order they would have been sent; empty otherwise. */
  planned?(): ReadonlyArray<PlannedStatement>;
  /** Closes every connection the session opened. Never throws. */
  close(): Promise<void>;
}

/**
 * One database engine family. `connect` opens an admin session with the master credentials and
 * throws (driver message) when it cannot.
 */
export interface RoleProvisioner {
  readonly family: EngineFamily;
  connect(target: ConnectionTarget, stats?: SqlStats, options?: SessionOptions): Promise<ProvisionerSession>;
  /**
   * True only for the engine's wrong-password answer (PostgreSQL 28P01, MySQL 1045/1698, SQL Server
   * 18456): not the network, a timeout, TLS or a host-based refusal. A master reset hangs on it.
   */
  isAuthenticationError(error: unknown): boolean;
}

/** The provisioners a process holds: all three locally, one family in a deployed database function. */
export type Provisioners = Readonly<Partial<Record<EngineFamily, RoleProvisioner>>>;

/** The provisioner of a family; a function built for another family is a routing bug, said plainly. */
export function provisionerFor(provisioners: Provisioners, family: EngineFamily): RoleProvisioner {
  const provisioner = provisioners[family];
  if (!provisioner) throw new DbrolesError(`this function serves ${Object.keys(provisioners).join(', ') || 'no'} databases, not ${family}: the state machine routed the job to the wrong function`);
  return provisioner;
}
