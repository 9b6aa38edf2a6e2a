// SQL Server: master credentials, their check, and the three users, with mssql (tedious) only.
import { sqlServerProvisioner } from '../core/engines/sqlserver/index.ts';
import { createSqlServerVerifier } from '../core/engines/sqlserver/verify.ts';
import { databaseTaskHandlers } from '../shared/database-tasks.ts';

export const { masterCredentials, checkMasterApplied, provisionRole } = databaseTaskHandlers('sqlserver', sqlServerProvisioner, createSqlServerVerifier());
