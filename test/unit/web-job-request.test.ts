import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JobRequestInputSchema } from '../../lambdas/core/job.ts';
import { awsJobRequest, cidrError, DEFAULT_JOB_OPTIONS, optionErrors, prefixError } from '../../web/src/job-request.ts';

const ARN = 'arn:aws:rds:us-east-1:200000000000:db:orders';
const apiAccepts = (request: unknown) => JobRequestInputSchema.safeParse(request).success;

describe('the web console builds job requests the API accepts', () => {
  it('judges a connection prefix exactly as the API does', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 70 }), fc.stringMatching(/^[A-Za-z0-9_-]{0,62}$/)), (prefix) => {
        expect(prefixError(prefix) === undefined).toBe(apiAccepts(awsJobRequest(ARN, prefix, '', DEFAULT_JOB_OPTIONS)));
      }),
      { numRuns: 500 },
    );
  });

  it('judges a security-group CIDR as the API does (a /0 needs the API\'s explicit opt-in, which the page does not offer)', () => {
    for (const cidr of ['10.0.0.0/16', '10.10.10.10/32', '10.0.0.300/32', '10.0.0.0/33', 'fe80::/64', 'abc']) {
      expect(cidrError(cidr) === undefined, cidr).toBe(apiAccepts(awsJobRequest(ARN, 'orders', cidr, DEFAULT_JOB_OPTIONS)));
    }
    expect(apiAccepts(awsJobRequest(ARN, 'orders', '0.0.0.0/0', DEFAULT_JOB_OPTIONS))).toBe(false);
  });

  it('turns each option into the request field the API reads, and flags what the API would refuse', () => {
    const vault = { ...DEFAULT_JOB_OPTIONS, store: 'vault' as const, vaultSecretId: 'dbroles/prod', sendWebhook: true, rotatePasswords: true };
    const request = awsJobRequest(ARN, 'orders', '10.0.0.0/16', vault);
    expect(JobRequestInputSchema.parse(request)).toMatchObject({
      job_steps: ['create-connections', 'send-webhook'],
      vault_provider: { secret_id: 'dbroles/prod' },
      rotate_passwords: true,
      aws: { instance_arn: ARN, default_security_group: { ingress_cidr: '10.0.0.0/16' } },
    });
    const badVault = { ...vault, vaultSecretId: 'db:roles' };
    expect(optionErrors(badVault)).toHaveProperty('vaultSecretId');
    expect(apiAccepts(awsJobRequest(ARN, 'orders', '', badVault))).toBe(false);
    const sm = { ...DEFAULT_JOB_OPTIONS, store: 'aws-secrets-manager' as const, secretNamePrefix: 'team/', kmsKeyId: 'alias/dbroles' };
    expect(JobRequestInputSchema.parse(awsJobRequest(ARN, 'orders', '', sm)).aws_secrets_manager).toEqual({ name_prefix: 'team/', kms_key_id: 'alias/dbroles' });
    expect(optionErrors({ ...sm, secretNamePrefix: 'no spaces' })).toHaveProperty('secretNamePrefix');
  });
});
