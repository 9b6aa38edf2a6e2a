import pLimit from 'p-limit';
import { engineFamily, provisionerFor } from './engines/types.ts';
import type {
  ConnectionTarget,
  EngineName,
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
    session = await provisioner.connect({ ...target, maxConnections: target.maxConnections ?? concurrency, sessionsSharing: request.sessionsSharing ?? 1 }, deps.stats);
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
    // Once every tier is past a database, the session may close what it kept open there.
    const visits = new Map<string, number>();
    const visited = async (database: string) => {
      const count = (visits.get(database) ?? 0) + 1;
      visits.set(database, count);
      if (count === request.tiers.length) await session.doneWith?.(database);
    };
    const roles = await Promise.all(
      request.tiers.map(async (tier, index): Promise<RoleOutcome> => {
        const user: RoleUser = {
          tier,
          name: peers[tier],
          password: passwords[index] ?? '',
          keepPassword: request.keepExistingPasswords,
          hardenPublicSchema: request.hardenPublicSchema,
          peers,
        };
        let created: boolean;
        try {
          ({ created } = await session.ensureUser(user));
        } catch (error) {
          deps.onProgress?.({ kind: 'role-done', tier, ok: false });
          const message = `create or update user "${user.name}": ${errorMessage(error, secrets)}`;
          return { tier, user: user.name, status: 'failed', message, databases: [], completedAt: now().toISOString() };
        }
        deps.onProgress?.({ kind: 'role-started', tier, user: user.name, databases: wanted.length });
        const outcomes = await grantEverywhere(session, user, rotate(wanted, index, request.tiers.length), available, {
          concurrency,
          secrets,
          onDone: async (database, ok, done) => {
            deps.onProgress?.({ kind: 'database-done', tier, database, ok, done, total: wanted.length });
            await visited(database);
          },
        });
        const failed = outcomes.filter((o) => o.status === 'failed');
        const ok = failed.length === 0;
        deps.onProgress?.({ kind: 'role-done', tier, ok });
        const message = ok ? '' : failureSummary(failed, outcomes.length);
        return {
          tier,
          user: user.name,
          status: ok ? 'completed' : 'failed',
          message,
          password: user.password,
          created,
          databases: outcomes,
          completedAt: now().toISOString(),
        };
      }),
    );
    return report(roles);
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
async function grantEverywhere(
  session: Pick<ProvisionerSession, 'grantInDatabase'>,
  user: RoleUser,
  databases: ReadonlyArray<string>,
  available: ReadonlyArray<string>,
  options: { concurrency: number; secrets: ReadonlyArray<string>; onDone: (database: string, ok: boolean, done: number) => Promise<void> },
): Promise<DatabaseOutcome[]> {
  const limit = pLimit(Math.max(1, options.concurrency));
  let done = 0;
  const outcomes = await Promise.all(
    databases.map((database) =>
      limit(async (): Promise<DatabaseOutcome> => {
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
        done += 1;
        await options.onDone(database, outcome.status === 'completed', done).catch(() => undefined);
        return outcome;
      }),
    ),
  );
  return outcomes.sort((a, b) => (a.database < b.database ? -1 : a.database > b.database ? 1 : 0));
}

/** At most this many failures are spelled out in a role's message; the rest are counted. */
const FAILURES_SPELLED_OUT = 3;

/** `failed in 2 of 500 databases: a: <why>; b: <why>`, bounded whatever the number of databases. */
function failureSummary(failed: ReadonlyArray<DatabaseOutcome>, total: number): string {
  const shown = failed.slice(0, FAILURES_SPELLED_OUT).map((o) => `${o.database}: ${o.message.slice(0, 300)}`);
  const more = failed.length > FAILURES_SPELLED_OUT ? ` (and ${failed.length - FAILURES_SPELLED_OUT} more)` : '';
  return `failed in ${failed.length} of ${total} databases: ${shown.join('; ')}${more}`;
}

/**
 * Each role starts at a different place in the list, so concurrent roles rarely wait on the same
 * database's grant lock.
 */
function rotate<T>(items: ReadonlyArray<T>, index: number, of: number): T[] {
  const start = Math.floor((items.length * index) / Math.max(1, of));
  return [...items.slice(start), ...items.slice(0, start)];
}
