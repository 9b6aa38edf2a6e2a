import { apiDepsFrom, type ApiDeps } from '../api/router.ts';
import { ApiEnvSchema } from '../api/env.ts';
import { stepFunctionsStarter } from '../api/sfn-starter.ts';
import { ALL_AWS_CLIENTS } from '../core/aws/clients/all.ts';
import { buildBaseDeps, secretStoresFrom } from './deps.ts';
import { WorkflowEnvSchema } from './env.ts';
import { logger } from './logger.ts';

let api: ApiDeps | undefined;

/**
 * The API's dependencies (the reconcile and RDS-event triggers start jobs with them too): the
 * stores and every AWS client, since discovery reads EC2, Organizations and RDS, but no database
 * driver. Each read of credentials is logged, never the password. Built once per cold start.
 */
export function apiDeps(): ApiDeps {
  if (api) return api;
  const env = ApiEnvSchema.parse(process.env);
  const base = buildBaseDeps(WorkflowEnvSchema.parse(process.env), ALL_AWS_CLIENTS);
  api = apiDepsFrom({ ...base, secretStores: secretStoresFrom(WorkflowEnvSchema.parse(process.env)) }, env.AWS_REGION, stepFunctionsStarter(env.STATE_MACHINE_ARN), (event) => logger.info('credentials read', event));
  return api;
}
