// PostgreSQL and Aurora PostgreSQL: master credentials, their check, and the three users, with pg only.
import { postgresProvisioner } from '../core/engines/postgres/index.ts';
import { postgresVerifier } from '../core/engines/postgres/verify.ts';
import { databaseTaskHandlers } from '../shared/database-tasks.ts';

export const { masterCredentials, checkMasterApplied, provisionRole } = databaseTaskHandlers('postgres', postgresProvisioner, postgresVerifier);
