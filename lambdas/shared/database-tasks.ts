import { rdsClient } from '../core/aws/clients/rds.ts';
import { secretsManagerClient } from '../core/aws/clients/secrets-manager.ts';
import type { EngineFamily, RoleProvisioner } from '../core/engines/types.ts';
import type { Verifier } from '../core/verify.ts';
import { checkMasterApplied, CheckMasterAppliedInputSchema, ensureMasterCredentials, MasterCredentialsInputSchema } from '../core/steps/master-credentials.ts';
import { provisionRole, ProvisionRoleInputSchema } from '../core/steps/provision-role.ts';
import { databaseDeps } from './database-deps.ts';
import { taskHandler } from './task-handler.ts';
import { familyStateName } from './task-registry.ts';

/**
 * The three tasks that log in to a database, for one engine family: lambdas/workflow/<family>.ts
 * passes its own provisioner, so its functions bundle that driver and no other.
 */
export function databaseTaskHandlers(family: EngineFamily, provisioner: RoleProvisioner, verifier: Verifier) {
  const deps = databaseDeps({ [family]: provisioner }, { [family]: verifier });
  // RDS for the master's state, Secrets Manager for an RDS-managed master secret (in the database's account).
  const rds = { rds: rdsClient, secretsManager: secretsManagerClient };
  return {
    masterCredentials: taskHandler(familyStateName('MasterCredentials', family), MasterCredentialsInputSchema, ensureMasterCredentials, { awsClients: rds, deps }),
    checkMasterApplied: taskHandler(familyStateName('CheckMasterApplied', family), CheckMasterAppliedInputSchema, checkMasterApplied, { awsClients: rds, deps }),
    provisionRole: taskHandler(familyStateName('ProvisionRole', family), ProvisionRoleInputSchema, provisionRole, { awsClients: rds, deps }),
  };
}
