import type { ConnectionTarget } from '../engines/types.ts';
import { ENGINE_FAMILIES } from '../engines/types.ts';
import type { DbTarget } from '../target.ts';
import type { WorkflowDeps } from './deps.ts';

/** How to reach the target as `user` with `password`; TLS as configured. */
export function connectionTarget(target: DbTarget, user: string, password: string, deps: Pick<WorkflowDeps, 'config'>): ConnectionTarget {
  return {
    host: target.host,
    port: target.port,
    user,
    password,
    database: target.default_database ?? undefined,
    tls: deps.config.dbTls === 'verify' ? { rejectUnauthorized: true } : undefined,
    connectTimeoutSeconds: deps.config.connectTimeoutSeconds,
  };
}

/**
 * Whether the master logs in with `password`. false only when the server refused the credentials;
 * any other failure (network, timeout) is thrown, so an unreachable database never looks like a
 * wrong password and never triggers a reset.
 */
export async function masterLogsIn(target: DbTarget, password: string, deps: Pick<WorkflowDeps, 'config' | 'provisioners'>): Promise<boolean> {
  return userLogsIn(target, { user: target.master_user, password, database: '' }, deps);
}

/**
 * Whether `user` logs in with `password` (a provisioned user, to check a stored password before
 * keeping it). false only when the server refused the credentials; other failures are thrown.
 */
export async function userLogsIn(
  target: DbTarget,
  login: { user: string; password: string; database: string },
  deps: Pick<WorkflowDeps, 'config' | 'provisioners'>,
): Promise<boolean> {
  const provisioner = deps.provisioners[ENGINE_FAMILIES[target.engine]];
  const at = { ...connectionTarget(target, login.user, login.password, deps), database: login.database || target.default_database || undefined };
  try {
    const session = await provisioner.connect(at);
    await session.close();
    return true;
  } catch (error) {
    if (provisioner.isAuthenticationError(error)) return false;
    throw error;
  }
}

/** The database a provisioned user's credentials name: the default one when it was provisioned, else the first one given. */
export function loginDatabase(target: DbTarget): string {
  const preferred = target.default_database;
  if (target.databases && target.databases.length > 0 && (!preferred || !target.databases.includes(preferred))) return target.databases[0] ?? '';
  return preferred ?? '';
}
