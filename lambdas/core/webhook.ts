import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Svix } from 'svix';
import type { Job } from './job.ts';
import { redact } from './redact.ts';
import type { WebhookSender } from './steps/deps.ts';

export const JOB_FINISHED_EVENT = 'dbroles.job.finished';

export interface SvixSenderOptions {
  /** SVIX_API_KEY, when given directly. */
  readonly apiKey?: string;
  /** Or a Secrets Manager secret holding it (read once, when first needed). */
  readonly apiKeySecretArn?: string;
  readonly secretsManager?: SecretsManagerClient;
  /** SVIX_SERVER_URL, for a self-hosted Svix or a test server. */
  readonly serverUrl?: string;
  /** Delays between Svix's own retries. */
  readonly retryScheduleInMs?: number[];
}

/**
 * Sends `{event_type, event_payload: <job>}` to the Svix application whose uid is the job's org_id
 * (created on first use), with an idempotency key per job, so a retried Notify sends one message.
 */
export class SvixWebhookSender implements WebhookSender {
  private apiKey?: Promise<string | undefined>;

  constructor(private readonly options: SvixSenderOptions) {}

  private resolveApiKey(): Promise<string | undefined> {
    this.apiKey ??= (async () => {
      if (this.options.apiKey) return this.options.apiKey;
      if (!this.options.apiKeySecretArn || !this.options.secretsManager) return undefined;
      const out = await this.options.secretsManager.send(new GetSecretValueCommand({ SecretId: this.options.apiKeySecretArn }));
      return out.SecretString?.trim() || undefined;
    })();
    this.apiKey.catch(() => {
      this.apiKey = undefined;
    });
    return this.apiKey;
  }

  async send(job: Job): Promise<{ sent: boolean; message: string }> {
    let apiKey: string | undefined;
    try {
      apiKey = await this.resolveApiKey();
    } catch (error) {
      return { sent: false, message: `read the Svix API key from Secrets Manager: ${(error as Error).message}` };
    }
    if (!apiKey) return { sent: false, message: 'no Svix API key configured (SVIX_API_KEY or SVIX_API_KEY_SECRET_ARN)' };
    try {
      const svix = new Svix(apiKey, { serverUrl: this.options.serverUrl, retryScheduleInMs: this.options.retryScheduleInMs });
      await svix.application.getOrCreate({ name: `dbroles ${job.org_id}`, uid: job.org_id });
      const message = await svix.message.create(
        job.org_id,
        { eventType: JOB_FINISHED_EVENT, payload: { event_type: JOB_FINISHED_EVENT, event_payload: job } },
        { idempotencyKey: `dbroles-job-${job.id}-finished` },
      );
      return { sent: true, message: `sent as Svix message ${message.id}` };
    } catch (error) {
      return { sent: false, message: `Svix: ${redact((error as Error).message, [apiKey])}` };
    }
  }
}
