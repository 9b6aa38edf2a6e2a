import { mysqlProvisioner } from './mysql/index.ts';
import { postgresProvisioner } from './postgres/index.ts';
import { sqlServerProvisioner } from './sqlserver/index.ts';
import type { EngineFamily, RoleProvisioner } from './types.ts';

export { DEFAULT_PORTS, engineFamily, isEngineName } from './types.ts';

/**
 * Every engine family's provisioner: it loads all three drivers. The CLI, the local runtime and the
 * tests use it; a deployed function imports only its own family's (lambdas/workflow/*-<family>.ts).
 */
export const PROVISIONERS: Record<EngineFamily, RoleProvisioner> = {
  postgres: postgresProvisioner,
  mysql: mysqlProvisioner,
  sqlserver: sqlServerProvisioner,
};
