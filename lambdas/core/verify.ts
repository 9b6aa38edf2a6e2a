import pLimit from 'p-limit';
import { DbrolesError } from './errors.ts';
import { engineFamily } from './engines/types.ts';
import type { ConnectionTarget, EngineName, RoleTier } from './engines/types.ts';
import { errorMessage, redact } from './redact.ts';

/**
 * What verify found, most severe first: a privilege the tier promises and the user lacks, a user
 * that cannot log in (or does not exist), then (warnings) a privilege or membership beyond the tier.
 */
export const FINDING_KINDS = ['missing', 'login-failed', 'extra'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface Finding {
  readonly kind: FindingKind;
  readonly user: string;
  readonly tier: RoleTier;
  /** null: the server (the user itself, its attributes and memberships). */
  readonly database: string | null;
  /** What the privilege is on: `schema.table`, `schema app`, `database`, `user`, `default privileges of X`. */
  readonly object: string;
  /** The privilege, attribute or membership, e.g. SELECT. */
  readonly privilege: string;
  readonly message: string;
}

/** A user to check: its tier and name, and, for a login check, its password (a secret). */
export interface VerifiedUser {
  readonly tier: RoleTier;
  readonly name: string;
  readonly password?: string;
  /** The ddl user of the same set, when it is not verified alongside: ro and rw must see what it creates. */
  readonly ddlPeer?: string;
}

/** The engine side of verify: read as the master, and log in as a user. */
export interface VerifySession {
  listDatabases(): Promise<string[]>;
  /** Server-level findings for one user: missing user, attributes, powerful memberships. */
  inspectUser(user: VerifiedUser): Promise<Finding[]>;
  /** Findings in one database for every user, from its catalogs. */
  inspectDatabase(database: string, users: ReadonlyArray<VerifiedUser>): Promise<Finding[]>;
  close(): Promise<void>;
}

export interface Verifier {
  connect(target: ConnectionTarget): Promise<VerifySession>;
  /**
   * Logs in as the user to one database and tries one action its tier allows and one it refuses,
   * in a transaction that is rolled back (or, where DDL cannot be, with statements that change
   * nothing). Returns the findings: a failed login, an allowed action refused, a refused one allowed.
   */
  probeLogin(target: ConnectionTarget, user: VerifiedUser & { password: string }, database: string): Promise<Finding[]>;
}

export type Verifiers = Readonly<Partial<Record<'postgres' | 'mysql' | 'sqlserver', Verifier>>>;

export interface VerifyRequest {
  readonly engine: EngineName;
  readonly target: ConnectionTarget;
  readonly users: ReadonlyArray<VerifiedUser>;
  /** Only these databases. @default every application database */
  readonly databases?: ReadonlyArray<string>;
  /** Log in as each user that has a password. @default false */
  readonly login?: boolean;
  /** Databases checked at once. @default 4 */
  readonly concurrency?: number;
}

export interface VerifySummary {
  readonly missing: number;
  readonly login_failed: number;
  readonly extra: number;
}

export interface VerifyReport {
  /** `clean`: nothing found; `warnings`: only extra privileges; `drift`: something missing or a login failed. */
  readonly status: 'clean' | 'warnings' | 'drift';
  readonly databases: ReadonlyArray<string>;
  readonly users: ReadonlyArray<string>;
  readonly summary: VerifySummary;
  readonly findings: ReadonlyArray<Finding>;
}

const SEVERITY: Record<FindingKind, number> = { missing: 0, 'login-failed': 1, extra: 2 };

/** Most severe first, then by database, user and object, so two runs print the same order. */
export function sortFindings(findings: ReadonlyArray<Finding>): Finding[] {
  const key = (f: Finding) => [String(SEVERITY[f.kind]), f.database ?? '', f.user, f.object, f.privilege].join('\u0000');
  return [...findings].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export function summarizeFindings(findings: ReadonlyArray<Finding>): VerifySummary {
  const count = (kind: FindingKind) => findings.filter((f) => f.kind === kind).length;
  return { missing: count('missing'), login_failed: count('login-failed'), extra: count('extra') };
}

export function verifyStatus(summary: VerifySummary): VerifyReport['status'] {
  if (summary.missing + summary.login_failed > 0) return 'drift';
  return summary.extra > 0 ? 'warnings' : 'clean';
}

/**
 * Checks, as the master, that every user holds exactly its tier's privileges in every database, and
 * optionally logs in as each. Reads only. Throws only when the master cannot connect or list the
 * databases; an error in one database is a finding-free failure reported by the caller's message.
 */
export async function verifyServer(request: VerifyRequest, verifiers: Verifiers): Promise<VerifyReport> {
  const family = engineFamily(request.engine);
  const verifier = verifiers[family];
  if (!verifier) throw new DbrolesError(`verify does not support ${family} databases yet`);
  const secrets = [request.target.password, ...request.users.map((u) => u.password)];
  const session = await verifier.connect(request.target).catch((error: unknown) => {
    throw new DbrolesError(`connect to ${request.target.host}:${request.target.port} as master "${request.target.user}": ${errorMessage(error, secrets)}`);
  });
  const findings: Finding[] = [];
  let databases: string[];
  try {
    const available = await session.listDatabases();
    databases = request.databases ? request.databases.filter((d) => available.includes(d)) : available;
    for (const missing of (request.databases ?? []).filter((d) => !available.includes(d))) {
      throw new DbrolesError(`database "${missing}" not found, or not connectable, on this server`);
    }
    for (const user of request.users) findings.push(...(await session.inspectUser(user)));
    const absent = new Set(findings.filter((f) => f.object === 'user' && f.kind === 'missing').map((f) => f.user));
    const present = request.users.filter((u) => !absent.has(u.name));
    const limit = pLimit(Math.max(1, request.concurrency ?? 4));
    const perDatabase = await Promise.all(databases.map((database) => limit(() => session.inspectDatabase(database, present))));
    findings.push(...perDatabase.flat());
    if (request.login) {
      const probes = present.flatMap((user) => (user.password ? databases.map((database) => ({ user: { ...user, password: user.password ?? '' }, database })) : []));
      const results = await Promise.all(probes.map(({ user, database }) => limit(() => verifier.probeLogin(request.target, user, database))));
      findings.push(...results.flat().map((f) => ({ ...f, message: redact(f.message, secrets) })));
    }
  } finally {
    await session.close();
  }
  const sorted = sortFindings(findings);
  const summary = summarizeFindings(sorted);
  return { status: verifyStatus(summary), databases, users: request.users.map((u) => u.name), summary, findings: sorted };
}
