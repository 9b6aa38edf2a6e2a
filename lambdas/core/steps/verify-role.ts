import type { RoleTier } from '../engines/types.ts';
import type { RoleResult } from '../job.ts';
import type { RoleSecretScope, RoleSecretStore } from '../secrets/types.ts';
import type { DbTarget } from '../target.ts';
import { errorMessage } from '../redact.ts';
import { verifyServer } from '../verify.ts';
import { connectionTarget } from './database-login.ts';
import type { BaseDeps, DatabaseDeps } from './deps.ts';

export type RoleVerify = NonNullable<RoleResult['verify']>;

/**
 * The `verify` step for one user: what it holds in every database against its tier, read as the
 * master, and a login with its stored password trying one allowed and one refused action (rolled
 * back). Reads only.
 */
export async function verifyRole(target: DbTarget, tier: RoleTier, scope: RoleSecretScope, store: RoleSecretStore, masterPassword: string, deps: BaseDeps & DatabaseDeps): Promise<RoleVerify> {
  const secret = await store.readCurrent(scope).catch(() => undefined);
  let report: Awaited<ReturnType<typeof verifyServer>>;
  try {
    report = await verifyServer(
    {
      engine: target.engine,
      target: connectionTarget(target, target.master_user, masterPassword, deps),
      users: [{ tier, name: scope.user, password: secret?.password, ddlPeer: scope.user.replace(/_(ro|rw|ddl)$/, '_ddl') }],
      databases: target.databases ?? undefined,
      login: secret !== undefined,
    },
    deps.verifiers,
  );
  } catch (error) {
    // The server could not be read: nothing is known to hold, which is drift, said in words.
    const message = `could not verify: ${errorMessage(error, [masterPassword, secret?.password])}`;
    return { status: 'drift', summary: { missing: 1, login_failed: 0, extra: 0 }, first_findings: [{ kind: 'missing', database: null, object: 'verify', privilege: '-', message }] };
  }
  return {
    status: report.status,
    summary: report.summary,
    first_findings: report.findings.slice(0, 5).map((f) => ({ kind: f.kind, database: f.database, object: f.object, privilege: f.privilege, message: f.message.slice(0, 300) })),
  };
}

/** `1 missing (sales.orders SELECT in shop), 0 login failed, 2 extra`. */
export function describeVerify(verify: RoleVerify): string {
  const { missing, login_failed: loginFailed, extra } = verify.summary;
  if (verify.status === 'clean') return 'verify: holds exactly its tier';
  const first = verify.first_findings[0];
  const example = first ? ` (first: ${first.kind} ${first.object} ${first.privilege}${first.database ? ` in ${first.database}` : ''})` : '';
  return `verify: ${missing} missing, ${loginFailed} login failed, ${extra} extra${example}`;
}

/** The role's result with its verify attached: a user missing a privilege, or unable to log in, has failed. */
export function withVerify(result: RoleResult, verify: RoleVerify): RoleResult {
  const message = [result.message, describeVerify(verify)].filter(Boolean).join('; ');
  return { ...result, verify, message, status: verify.status === 'drift' ? 'failed' : result.status };
}
