import type { DbTarget } from '../../lambdas/core/target.ts';

/** An RDS PostgreSQL instance as Prepare resolves it, for step tests; override what the test is about. */
export function rdsTarget(over: Partial<DbTarget> = {}): DbTarget {
  const arn = `arn:aws:rds:us-east-1:111111111111:db:${over.instance_id ?? 'orders'}`;
  return {
    kind: 'aws',
    reset_master_password: false,
    db_arn: arn,
    resource_key: arn,
    partition: 'aws',
    region: 'us-east-1',
    account_id: '111111111111',
    instance_id: 'orders',
    cluster_id: null,
    engine: 'postgres',
    host: 'orders.abc.us-east-1.rds.amazonaws.com',
    port: 5432,
    master_user: 'admin',
    default_database: 'postgres',
    vpc_id: null,
    security_group_ids: [],
    databases: null,
    master_secret_arn: null,
    iam_resource_id: null,
    ...over,
  };
}
