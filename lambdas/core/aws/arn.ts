import { UsageError } from '../errors.ts';
import { RDS_INSTANCE_ARN } from '../job.ts';

export interface RdsInstanceArn {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly instanceId: string;
}

/** Splits an RDS instance ARN; the region comes from here, never from configuration. */
export function parseRdsInstanceArn(arn: string): RdsInstanceArn {
  if (!RDS_INSTANCE_ARN.test(arn)) {
    throw new UsageError(`"${arn}" is not an RDS instance ARN; expected arn:aws:rds:<region>:<account>:db:<identifier>`);
  }
  const [, partition = '', , region = '', accountId = '', , instanceId = ''] = arn.split(':');
  return { partition, region, accountId, instanceId };
}
