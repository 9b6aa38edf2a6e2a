import pLimit from 'p-limit';
import { engineFamily, provisionerFor } from './engines/types.ts';
import type {
  ConnectionTarget,
  EngineName,
  PlannedStatement,
  ProvisionerSession,
  Provisioners,
  RoleTier,
  RoleUser,
  ServerInfo,
  SqlStats,
} from './engines/types.ts';
import { ALL_ROLES_PROVISIONED, SOME_ROLES_FAILED } from './job.ts';
import { generatePassword } from './password.ts';
import { errorMessage } from './redact.ts';


export const DEFAULT_USER_PREFIX = 'hoop';
export const DEFAULT_DATABASE_CONCURRENCY = 4;

export interface ProvisionRolesRequest {
  readonly engine: EngineName;
  readonly target: ConnectionTarget;
  readonly tiers: ReadonlyArray<RoleTier>;
  /** Users are `<prefix>_ro|rw|ddl`. @default 'hoop' */
  readonly userPrefix?: string;
  /** Only these databases (each must exist). @default every application database */
  readonly databases?: ReadonlyArray<string>;
  /** Databases provisioned at once, per role. @default 4 */
  readonly concurrency?: number;
  /** Existing users keep their password; the given one is used only to create a missing user. @default false */
  readonly keepExistingPasswords?: boolean;
  /** PostgreSQL: revoke CREATE on `public` from PUBLIC in each database. @default false */
  readonly hardenPublicSchema?: boolean;
  /** Other sessions of the same job on this server at once (the workflow runs one per tier), sharing its free connection slots. @default 1 */
  readonly sessionsSharing?: number;
  /** `iam`: users log in with IAM tokens and have no password (RDS PostgreSQL and MySQL). @default password */
  readonly auth?: 'password' | 'iam';
  /** Read the catalogs and record what would be sent, sending no writing statement: the report carries `plan`. @default false */
  readonly dryRun?: boolean;
}

export type ProgressEvent =
  | { readonly kind: 'role-started'; readonly tier: RoleTier; readonly user: string; readonly databases: number }
  | { readonly kind: 'database-done'; readonly tier: RoleTier; readonly database: string; readonly ok: boolean; readonly done: number; readonly total: number }
  | { readonly kind: 'role-done'; readonly tier: RoleTier; readonly ok: boolean };

export interface ProvisionDeps {
  /** The engine families this process can serve: a deployed function bundles one driver only. */
  readonly provisioners: Provisioners;
  readonly generatePassword?: () => string;
  readonly now?: () => Date;
  readonly stats?: SqlStats;
  readonly onProgress?: (event: ProgressEvent) => void;
}

export interface DatabaseOutcome {
  readonly database: string;
  readonly status: 'completed' | 'failed';
  /** The failure (redacted) or warnings; empty when all went well. */
  readonly message: string;
}

export interface RoleOutcome {
  readonly tier: RoleTier;
  readonly user: string;
  readonly status: 'completed' | 'failed';
  readonly message: string;
  /**
   * The user's password: present whenever the user got past creation or password change (when
   * `keepExistingPasswords`, possibly the unchanged one), even when some database failed
   * afterwards, so a changed password is never lost. A secret.
   */
  readonly password?: string;
  readonly created?: boolean;
  readonly databases: ReadonlyArray<DatabaseOutcome>;
  readonly completedAt: string;
}

export interface ProvisionReport {
  readonly status: 'completed' | 'failed';
  readonly message: string;
  readonly server?: ServerInfo;
  /** The database written into the users' credentials. */
  readonly defaultDatabase: string;
  readonly roles: ReadonlyArray<RoleOutcome>;
  /** A dry run's statements, passwords REDACTED; absent otherwise. */
  readonly plan?: ReadonlyArray<PlannedStatement>;
}

/**
 * Provisions the requested tiers on one server, all tiers at once, each over every database.
 * Never throws for a database problem: failures are recorded per database and per role, their
 * messages redacted of the master password and every role password. A role is `completed` only
 * when every database succeeded. Idempotent: a rerun changes the passwords and adds missing grants.
 */
export async function provisionRoles(request: ProvisionRolesRequest, deps: ProvisionDeps): Promise<ProvisionReport> {
  const provisioner = provisionerFor(deps.provisioners, engineFamily(request.engine));
  const prefix = request.userPrefix ?? DEFAULT_USER_PREFIX;
  const peers = { ro: `${prefix}_ro`, rw: `${prefix}_rw`, ddl: `${prefix}_ddl` };
  const passwords = request.tiers.map(() => (deps.generatePassword ?? generatePassword)());
  const secrets = [request.target.password, ...passwords];
  const now = deps.now ?? (() => new Date());
  let server: ServerInfo | undefined;
  let firstDatabase = '';

  const { target } = request;
  const failAll = (message: string): RoleOutcome[] =>
    request.tiers.map((tier) => {
      deps.onProgress?.({ kind: 'role-done', tier, ok: false });
      return { tier, user: peers[tier], status: 'failed', message, databases: [], completedAt: now().toISOString() };
    });

  // One session for every role: the roles share its connections, so each database is opened
  // about once instead of once per role (connection setup dominates on large instances).
  const concurrency = request.concurrency ?? DEFAULT_DATABASE_CONCURRENCY;
  let session: ProvisionerSession;
  try {
    session = await provisioner.connect(
      { ...target, maxConnections: target.maxConnections ?? concurrency, sessionsSharing: request.sessionsSharing ?? 1 },
      deps.stats,
      { dryRun: request.dryRun },
    );
  } catch (error) {
    return report(failAll(`connect to ${target.host}:${target.port} as master "${target.user}": ${errorMessage(error, secrets)}`));
  }
  try {
    server = session.server;
    let available: string[];
    try {
      available = await session.listDatabases();
    } catch (error) {
      return report(failAll(`list databases: ${errorMessage(error, secrets)}`));
    }
    const wanted = request.databases ?? available;
    if (wanted.length === 0) return report(failAll('no database to provision: the server lists no application database'));
    firstDatabase = wanted.find((d) => available.includes(d)) ?? '';
    // Every user first, then database by database: each database is opened once and all the
    // roles are granted there on that connection, then it is closed (connection setup with SCRAM
    // is most of the cost on large instances).
    const users = await Promise.all(
      request.tiers.map(async (tier, index): Promise<{ ready: true; user: RoleUser; created: boolean } | { ready: false; outcome: RoleOutcome }> => {
        const user: RoleUser = {
          tier,
          name: peers[tier],
          password: passwords[index] ?? '',
          keepPassword: request.keepExistingPasswords,
          hardenPublicSchema: request.hardenPublicSchema,
          auth: request.auth,
          peers,
        };
        try {
          const { created } = await session.ensureUser(user);
          deps.onProgress?.({ kind: 'role-started', tier, user: user.name, databases: wanted.length });
          return { ready: true, user, created };
        } catch (error) {
          deps.onProgress?.({ kind: 'role-done', tier, ok: false });
          const message = `create or update user "${user.name}": ${errorMessage(error, secrets)}`;
          return { ready: false, outcome: { tier, user: user.name, status: 'failed', message, databases: [], completedAt: now().toISOString() } };
        }
      }),
    );
    const ready = users.flatMap((u) => (u.ready ? [u] : []));
    const outcomes = await grantEverywhere(session, ready.map((r) => r.user), wanted, available, {
      concurrency,
      secrets,
      onDone: (tier, database, ok, done) => deps.onProgress?.({ kind: 'database-done', tier, database, ok, done, total: wanted.length }),
    });
    const roles = users.map((entry): RoleOutcome => {
      if (!entry.ready) return entry.outcome;
      const { user, created } = entry;
      const databases = outcomes.get(user.tier) ?? [];
      const failed = databases.filter((o) => o.status === 'failed');
      const ok = failed.length === 0;
      deps.onProgress?.({ kind: 'role-done', tier: user.tier, ok });
      return {
        tier: user.tier,
        user: user.name,
        status: ok ? 'completed' : 'failed',
        message: ok ? '' : failureSummary(failed, databases.length),
        // A dry run set no password, and an IAM user has none.
        password: request.dryRun || request.auth === 'iam' ? undefined : user.password,
        created,
        databases,
        completedAt: now().toISOString(),
      };
    });
    return { ...report(roles), ...(request.dryRun ? { plan: session.planned?.() ?? [] } : {}) };
  } finally {
    await session.close();
  }

  function report(roles: RoleOutcome[]): ProvisionReport {
    const ok = roles.every((r) => r.status === 'completed');
    return {
      status: ok ? 'completed' : 'failed',
      message: ok ? ALL_ROLES_PROVISIONED : SOME_ROLES_FAILED,
      server,
      defaultDatabase: server?.defaultDatabase || firstDatabase,
      roles,
    };
  }
}
/**
 * Grants every user in every database, `concurrency` databases at a time; in each database the
 * users one after another on the same connection, which is then released. Never throws: a failure
 * is that user's outcome in that database. Outcomes per tier, sorted by database.
 */
async function grantEverywhere(
  session: Pick<ProvisionerSession, 'grantInDatabase' | 'doneWith'>,
  users: ReadonlyArray<RoleUser>,
  databases: ReadonlyArray<string>,
  available: ReadonlyArray<string>,
  options: { concurrency: number; secrets: ReadonlyArray<string>; onDone: (tier: RoleTier, database: string, ok: boolean, done: number) => void },
): Promise<Map<RoleTier, DatabaseOutcome[]>> {
  const limit = pLimit(Math.max(1, options.concurrency));
  const outcomes = new Map<RoleTier, DatabaseOutcome[]>(users.map((u) => [u.tier, []]));
  await Promise.all(
    databases.map((database) =>
      limit(async () => {
        for (const user of users) {
          let outcome: DatabaseOutcome;
          if (!available.includes(database)) {
            outcome = { database, status: 'failed', message: 'database not found, or not connectable, on this server' };
          } else {
            try {
              const { warnings } = await session.grantInDatabase(database, user);
              outcome = { database, status: 'completed', message: warnings.join('; ') };
            } catch (error) {
              outcome = { database, status: 'failed', message: errorMessage(error, options.secrets) };
            }
          }
          const mine = outcomes.get(user.tier) ?? [];
          mine.push(outcome);
          try {
            options.onDone(user.tier, database, outcome.status === 'completed', mine.length);
          } catch {
            // progress reporting never fails a grant
          }
        }
        await session.doneWith?.(database);
      }),
    ),
  );
  for (const list of outcomes.values()) list.sort((a, b) => (a.database < b.database ? -1 : a.database > b.database ? 1 : 0));
  return outcomes;
}

/** At most this many failures are spelled out in a role's message; the rest are counted. */
const FAILURES_SPELLED_OUT = 3;

/** `failed in 2 of 500 databases: a: <why>; b: <why>`, bounded whatever the number of databases. */
function failureSummary(failed: ReadonlyArray<DatabaseOutcome>, total: number): string {
  const shown = failed.slice(0, FAILURES_SPELLED_OUT).map((o) => `${o.database}: ${o.message.slice(0, 300)}`);
  const more = failed.length > FAILURES_SPELLED_OUT ? ` (and ${failed.length - FAILURES_SPELLED_OUT} more)` : '';
  return `failed in ${failed.length} of ${total} databases: ${shown.join('; ')}${more}`;
}

