import {
  CONNECTION_PREFIX,
  CONNECTION_PREFIX_MESSAGE,
  IPV4_CIDR,
  IPV4_CIDR_MESSAGE,
  SECRET_NAME_PREFIX,
  SECRET_NAME_PREFIX_MESSAGE,
  VAULT_SECRET_ID,
} from '../../lambdas/core/patterns.ts';
import type { JobRequestInput } from './api.ts';

/** The options every job of one submission shares. */
export interface JobOptions {
  createConnections: boolean;
  sendWebhook: boolean;
  store: 'database' | 'vault' | 'aws-secrets-manager';
  vaultSecretId: string;
  secretNamePrefix: string;
  kmsKeyId: string;
  rotatePasswords: boolean;
  hardenPublicSchema: boolean;
  /** A plan only: the job records what it would change, and changes nothing. */
  dryRun: boolean;
}

export const DEFAULT_JOB_OPTIONS: JobOptions = {
  createConnections: true,
  sendWebhook: false,
  store: 'database',
  vaultSecretId: '',
  secretNamePrefix: '',
  kmsKeyId: '',
  rotatePasswords: false,
  hardenPublicSchema: false,
  dryRun: false,
};

/** The API's own check of `connection_prefix_name`, so a bad prefix is caught before the POST. */
export const prefixError = (prefix: string): string | undefined => (CONNECTION_PREFIX.test(prefix) ? undefined : CONNECTION_PREFIX_MESSAGE);
export const cidrError = (cidr: string): string | undefined => (cidr === '' || IPV4_CIDR.test(cidr) ? undefined : IPV4_CIDR_MESSAGE);

/** Field errors of the options, keyed by field, as the API would report them. */
export function optionErrors(o: JobOptions): Partial<Record<'vaultSecretId' | 'secretNamePrefix', string>> {
  return {
    ...(o.store === 'vault' && !VAULT_SECRET_ID.test(o.vaultSecretId) ? { vaultSecretId: 'a Vault path without ":" or spaces, e.g. dbroles/prod' } : {}),
    ...(o.store === 'aws-secrets-manager' && o.secretNamePrefix !== '' && !SECRET_NAME_PREFIX.test(o.secretNamePrefix)
      ? { secretNamePrefix: SECRET_NAME_PREFIX_MESSAGE }
      : {}),
  };
}

/** The request fields the options stand for. */
export function optionFields(o: JobOptions): Omit<JobRequestInput, 'connection_prefix_name'> {
  return {
    job_steps: [...(o.createConnections ? (['create-connections'] as const) : []), ...(o.sendWebhook ? (['send-webhook'] as const) : [])],
    ...(o.store === 'vault' ? { vault_provider: { secret_id: o.vaultSecretId } } : {}),
    ...(o.store === 'aws-secrets-manager'
      ? { aws_secrets_manager: { ...(o.secretNamePrefix ? { name_prefix: o.secretNamePrefix } : {}), ...(o.kmsKeyId ? { kms_key_id: o.kmsKeyId } : {}) } }
      : {}),
    ...(o.rotatePasswords ? { rotate_passwords: true } : {}),
    ...(o.hardenPublicSchema ? { harden_public_schema: true } : {}),
    ...(o.dryRun ? { dry_run: true } : {}),
  };
}

/** One RDS database's job request. */
export function awsJobRequest(instanceArn: string, prefix: string, cidr: string, o: JobOptions): JobRequestInput {
  return {
    connection_prefix_name: prefix,
    ...optionFields(o),
    aws: { instance_arn: instanceArn, ...(cidr ? { default_security_group: { ingress_cidr: cidr } } : {}) },
  };
}
