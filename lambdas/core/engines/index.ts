import { UsageError } from '../errors.ts';
import { mysqlProvisioner } from './mysql/index.ts';
import { postgresProvisioner } from './postgres/index.ts';
import { sqlServerProvisioner } from './sqlserver/index.ts';
import { ENGINE_FAMILIES, type EngineFamily, type EngineName, type RoleProvisioner } from './types.ts';

export const PROVISIONERS: Record<EngineFamily, RoleProvisioner> = {
  postgres: postgresProvisioner,
  mysql: mysqlProvisioner,
  sqlserver: sqlServerProvisioner,
};

/** Default ports per family, for a target given without one. */
export const DEFAULT_PORTS: Record<EngineFamily, number> = { postgres: 5432, mysql: 3306, sqlserver: 1433 };

export function isEngineName(engine: string): engine is EngineName {
  return Object.hasOwn(ENGINE_FAMILIES, engine);
}

/** The family of an RDS engine name; throws UsageError naming the supported ones. */
export function engineFamily(engine: string): EngineFamily {
  if (!isEngineName(engine)) {
    throw new UsageError(`engine "${engine}" is not supported; use one of: ${Object.keys(ENGINE_FAMILIES).join(', ')}`);
  }
  return ENGINE_FAMILIES[engine];
}
