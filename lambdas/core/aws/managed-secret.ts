import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { DbrolesError } from '../errors.ts';
import { withRetry } from './retry.ts';

/** What RDS keeps in a managed master secret. */
const ManagedSecretSchema = z.object({ username: z.string().min(1), password: z.string().min(1) });

/** The permission a refused read lacked, named from the error AWS returned. */
function missingPermission(error: unknown, arn: string): string {
  const e = error as { name?: string; message?: string };
  const text = `${e.name ?? ''} ${e.message ?? ''}`;
  if (/kms|decrypt/i.test(text)) return `kms:Decrypt on the secret's KMS key, through Secrets Manager (condition kms:ViaService secretsmanager.<region>.amazonaws.com), for dbroles' role`;
  return `secretsmanager:GetSecretValue on ${arn} for dbroles' role (the member-account role, or the task role in dbroles' own account)`;
}

/**
 * Reads an RDS-managed master secret (`ManageMasterUserPassword`) in the database's account. Never
 * stored by dbroles, never reset: a refused read fails the job, naming the secret and what is
 * missing, and nothing falls back to a reset.
 */
export async function readManagedMaster(client: SecretsManagerClient, arn: string): Promise<z.infer<typeof ManagedSecretSchema>> {
  let text: string | undefined;
  try {
    text = (await withRetry(() => client.send(new GetSecretValueCommand({ SecretId: arn })))).SecretString;
  } catch (error) {
    const name = (error as { name?: string }).name ?? 'error';
    throw new DbrolesError(`read the RDS-managed master secret ${arn}: ${name}: needs ${missingPermission(error, arn)}; dbroles does not reset a managed master password`, { cause: error });
  }
  try {
    return ManagedSecretSchema.parse(JSON.parse(text ?? ''));
  } catch {
    throw new DbrolesError(`the RDS-managed master secret ${arn} does not hold {"username", "password"} as RDS writes it`);
  }
}
