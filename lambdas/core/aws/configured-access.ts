import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { UsageError } from '../errors.ts';
import type { AwsSettings, AwsSettingsStore } from '../store/aws-settings-store.ts';
import { DefaultAwsAccess, type AwsAccess, type AwsAccessOptions, type AwsClients } from './access.ts';

export const NO_AWS_CREDENTIALS =
  'no AWS credentials: set them with PUT /api/integrations/aws/iam/accesskeys, or set INTEGRATION_AWS_INSTANCE_ROLE_ALLOW=true to use the runtime\'s own role';

/**
 * AWS access that follows the stored settings: the access keys set through the API when there are
 * some; otherwise the runtime's own role (default credential chain), only when allowed by
 * INTEGRATION_AWS_INSTANCE_ROLE_ALLOW=true. Settings are re-read at most every 30 seconds.
 */
export class ConfiguredAwsAccess implements AwsAccess {
  private cached?: { at: number; settings: AwsSettings | undefined; access: DefaultAwsAccess };

  constructor(
    private readonly settings: AwsSettingsStore,
    private readonly options: Omit<AwsAccessOptions, 'credentials'> & { readonly instanceRoleAllowed: boolean },
  ) {}

  /** Whether the runtime's own role may be used when no access keys are stored. */
  get instanceRoleAllowed(): boolean {
    return this.options.instanceRoleAllowed;
  }

  /** Forget the cached settings (after a PUT or DELETE of the keys). */
  reset(): void {
    this.cached = undefined;
  }

  /** The settings in force, or UsageError when there are none and the runtime's role is not allowed. */
  async current(): Promise<{ settings: AwsSettings | undefined; access: DefaultAwsAccess }> {
    if (!this.cached || Date.now() - this.cached.at > 30_000) {
      const settings = await this.settings.get();
      const credentials = settings?.access_key_id
        ? { accessKeyId: settings.access_key_id, secretAccessKey: settings.secret_access_key ?? '', sessionToken: settings.session_token }
        : undefined;
      this.cached = { at: Date.now(), settings, access: new DefaultAwsAccess({ ...this.options, credentials }) };
    }
    if (!this.cached.settings?.access_key_id && !this.options.instanceRoleAllowed) throw new UsageError(NO_AWS_CREDENTIALS);
    return this.cached;
  }

  async callerIdentity(region: string): Promise<{ account: string; arn: string; userId: string }> {
    return (await this.current()).access.callerIdentity(region);
  }

  async organizations(): Promise<OrganizationsClient> {
    return (await this.current()).access.organizations();
  }

  async forAccount(accountId: string, region: string, partition: string): Promise<AwsClients> {
    return (await this.current()).access.forAccount(accountId, region, partition);
  }
}
