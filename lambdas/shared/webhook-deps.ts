import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { BaseDeps, WebhookDeps } from '../core/steps/deps.ts';
import { SvixWebhookSender } from '../core/webhook.ts';
import type { WorkflowEnv } from './env.ts';

/** Notify's extra: the Svix sender (only Notify bundles svix). */
export function webhookDeps(base: BaseDeps, env: WorkflowEnv): BaseDeps & WebhookDeps {
  return {
    ...base,
    webhook: new SvixWebhookSender({
      apiKey: env.SVIX_API_KEY,
      apiKeySecretArn: env.SVIX_API_KEY_SECRET_ARN,
      secretsManager: env.SVIX_API_KEY_SECRET_ARN ? new SecretsManagerClient({}) : undefined,
      serverUrl: env.SVIX_SERVER_URL,
    }),
  };
}
