// MySQL, Aurora MySQL and MariaDB: master credentials, their check, and the three users, with mysql2 only.
import { mysqlProvisioner } from '../core/engines/mysql/index.ts';
import { mysqlVerifier } from '../core/engines/mysql/verify.ts';
import { databaseTaskHandlers } from '../shared/database-tasks.ts';

export const { masterCredentials, checkMasterApplied, provisionRole } = databaseTaskHandlers('mysql', mysqlProvisioner, mysqlVerifier);
