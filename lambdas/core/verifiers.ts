import { mysqlVerifier } from './engines/mysql/verify.ts';
import { postgresVerifier } from './engines/postgres/verify.ts';
import type { Verifiers } from './verify.ts';

/**
 * The engines verify reads (the CLI and the local runtime). SQL Server's catalog queries are in
 * engines/sqlserver/verify-sql.ts, checked by snapshot; it has no executor yet.
 */
export const VERIFIERS: Verifiers = { postgres: postgresVerifier, mysql: mysqlVerifier };
