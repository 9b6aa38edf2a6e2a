import { mysqlVerifier } from './engines/mysql/verify.ts';
import { postgresVerifier } from './engines/postgres/verify.ts';
import { createSqlServerVerifier } from './engines/sqlserver/verify.ts';
import type { Verifiers } from './verify.ts';

/** The engines verify reads (the CLI and the local runtime): all three drivers. */
export const VERIFIERS: Verifiers = { postgres: postgresVerifier, mysql: mysqlVerifier, sqlserver: createSqlServerVerifier() };
