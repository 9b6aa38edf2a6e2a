import { LambdaClient } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LambdaHookRunner, LocalHookRunner } from '../core/hook/hook-runner.ts';
import { DirRunbookSource, GitRunbookSource, type RunbookSource } from '../core/hook/runbook-source.ts';
import type { HookDeps } from '../core/steps/deps.ts';
import { secretStoresFrom } from './deps.ts';
import type { WorkflowEnv } from './env.ts';

/** The runbook source the environment names: a git repository, a local folder, or none. */
export function runbookSourceFrom(env: WorkflowEnv, secretsManager: SecretsManagerClient): RunbookSource | undefined {
  if (env.DBROLES_RUNBOOKS_GIT_URL) {
    const arn = env.DBROLES_RUNBOOKS_GIT_TOKEN_SECRET_ARN;
    const token = env.DBROLES_RUNBOOKS_GIT_TOKEN;
    return new GitRunbookSource({
      url: env.DBROLES_RUNBOOKS_GIT_URL,
      branch: env.DBROLES_RUNBOOKS_GIT_BRANCH,
      token: arn ? async () => (await secretsManager.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString : async () => token,
    });
  }
  return env.DBROLES_RUNBOOKS_DIR ? new DirRunbookSource(env.DBROLES_RUNBOOKS_DIR) : undefined;
}

/** RunHook's extra: the runbook source (isomorphic-git for a repository) and the hook runner (Lambda when deployed). */
export function hookDeps(env: WorkflowEnv): HookDeps {
  const secretsManager = new SecretsManagerClient({});
  return {
    secretStores: secretStoresFrom(env),
    runbooks: runbookSourceFrom(env, secretsManager),
    hookRunner: env.HOOK_RUNNER_FUNCTION_NAME ? new LambdaHookRunner(new LambdaClient({}), env.HOOK_RUNNER_FUNCTION_NAME) : new LocalHookRunner(),
  };
}
