import { PROVISIONERS } from './engines/index.ts';
import { provisionRoles, type ProvisionDeps, type ProvisionReport, type ProvisionRolesRequest } from './provision.ts';

/** provisionRoles with every engine's driver loaded: the CLI's, the benchmarks' and the tests' entry. */
export function provisionAnyEngine(request: ProvisionRolesRequest, deps: Omit<ProvisionDeps, 'provisioners'> = {}): Promise<ProvisionReport> {
  return provisionRoles(request, { provisioners: PROVISIONERS, ...deps });
}
