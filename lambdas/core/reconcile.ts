import * as z from 'zod';
import type { AwsAccess } from './aws/access.ts';
import { describeCluster, describeInstance } from './aws/rds.ts';
import { discoverInstances, listAccounts, type InstanceItem } from './aws/discovery.ts';
import { isEngineName } from './engines/types.ts';
import { createJob, type JobServiceDeps } from './job-service.ts';
import { CONNECTION_PREFIX, defaultConnectionPrefix } from './patterns.ts';
import { errorMessage } from './redact.ts';

export const DEFAULT_AUTO_PROVISION_TAG = 'dbroles:auto-provision';
/** An optional tag naming the resource roles' prefix; otherwise `<instance>-<account>`. */
export const CONNECTION_PREFIX_TAG = 'dbroles:connection-prefix';

export interface AutoProvisionDeps extends JobServiceDeps {
  readonly aws: AwsAccess;
  readonly defaultRegion: string;
}

export interface AutoProvisionConfig {
  /** The tag that opts a database in (value "true"). @default dbroles:auto-provision */
  readonly tagKey?: string;
  /** Regions reconciled. @default the deployment's region */
  readonly regions?: string[];
  /** Set new passwords for every user (the rotation schedule); otherwise working passwords are kept. @default false */
  readonly rotatePasswords?: boolean;
  /** `verify`: only read back what each user holds (verify_only jobs), so drift shows without any change. @default provision */
  readonly mode?: 'provision' | 'verify';
}

export interface AutoProvisionOutcome {
  readonly started: Array<{ arn: string; job_id: string }>;
  readonly failed: Array<{ arn: string; message: string }>;
  /** Accounts or regions that could not be read. */
  readonly unreadable: Array<{ account_id: string; region: string; error: string }>;
}


function wants(instance: Pick<InstanceItem, 'tags' | 'supported'>, tagKey: string): boolean {
  return instance.supported && instance.tags[tagKey]?.toLowerCase() === 'true';
}

async function startFor(item: Pick<InstanceItem, 'arn' | 'name' | 'account_id' | 'tags'>, deps: AutoProvisionDeps, config: AutoProvisionConfig): Promise<string> {
  const tagged = item.tags[CONNECTION_PREFIX_TAG];
  const prefix = tagged && CONNECTION_PREFIX.test(tagged) ? tagged : defaultConnectionPrefix(item.name, item.account_id);
  const request =
    config.mode === 'verify'
      ? { connection_prefix_name: prefix, job_steps: ['send-webhook' as const], verify_only: true, aws: { instance_arn: item.arn } }
      : { connection_prefix_name: prefix, job_steps: ['create-connections' as const, 'send-webhook' as const], rotate_passwords: config.rotatePasswords ?? false, aws: { instance_arn: item.arn } };
  const { job_id } = await createJob(request, deps);
  return job_id;
}

/**
 * The scheduled reconcile: a job (the same path as the API: record, execution, webhook) for every
 * tagged, supported writer of every account and region. Re-provisioning reuses the stored master
 * and user passwords while they work, so a daily run only adds grants for new databases and
 * schemas; with `rotatePasswords` (the rotation schedule) every user gets a new password.
 */
export async function reconcileTaggedDatabases(deps: AutoProvisionDeps, config: AutoProvisionConfig = {}): Promise<AutoProvisionOutcome> {
  const tagKey = config.tagKey ?? DEFAULT_AUTO_PROVISION_TAG;
  const accounts = (await listAccounts(deps.aws, deps.defaultRegion)).filter((a) => a.status === 'ACTIVE');
  const items = await discoverInstances(deps.aws, { accountIds: accounts.map((a) => a.account_id), regions: config.regions ?? [deps.defaultRegion] });
  const outcome: AutoProvisionOutcome = { started: [], failed: [], unreadable: [] };
  for (const item of items) {
    if (item.error) {
      outcome.unreadable.push({ account_id: item.account_id, region: item.region, error: item.error });
      continue;
    }
    if (!wants(item, tagKey)) continue;
    try {
      outcome.started.push({ arn: item.arn, job_id: await startFor(item, deps, config) });
    } catch (error) {
      outcome.failed.push({ arn: item.arn, message: errorMessage(error, []) });
    }
  }
  return outcome;
}

/** The part of an EventBridge RDS event that matters here. */
export const RdsEventSchema = z.object({
  account: z.string(),
  region: z.string(),
  'detail-type': z.string(),
  detail: z.object({
    SourceType: z.string().optional(),
    SourceIdentifier: z.string(),
    SourceArn: z.string().optional(),
    EventCategories: z.array(z.string()).optional(),
  }),
});

/**
 * An RDS instance or cluster was created or restored: start a job when the database (for a
 * cluster: its writer) is tagged and supported. Returns the job id, or why none was started.
 */
export async function onRdsEvent(event: z.infer<typeof RdsEventSchema>, deps: AutoProvisionDeps, config: AutoProvisionConfig = {}): Promise<{ job_id?: string; skipped?: string }> {
  const tagKey = config.tagKey ?? DEFAULT_AUTO_PROVISION_TAG;
  const { rds } = await deps.aws.forAccount(event.account, event.region, 'aws');
  const isCluster = event.detail.SourceType === 'CLUSTER' || event['detail-type'].includes('Cluster');
  let instanceId = event.detail.SourceIdentifier;
  if (isCluster) {
    const cluster = await describeCluster(rds, event.detail.SourceIdentifier);
    const writer = cluster.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier;
    if (!writer) return { skipped: `cluster "${event.detail.SourceIdentifier}" has no writer instance yet` };
    instanceId = writer;
  }
  const instance = await describeInstance(rds, instanceId);
  const tags = Object.fromEntries((instance.TagList ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  const replica = Boolean(instance.ReadReplicaSourceDBInstanceIdentifier || instance.ReadReplicaSourceDBClusterIdentifier);
  const item = { arn: instance.DBInstanceArn ?? '', name: instanceId, account_id: event.account, tags, supported: isEngineName(instance.Engine ?? '') && !replica };
  if (!wants(item, tagKey)) return { skipped: `"${instanceId}" is not tagged ${tagKey}=true, or not a supported writer` };
  if (instance.DBInstanceStatus !== 'available') {
    return { skipped: `"${instanceId}" is "${instance.DBInstanceStatus}"; the scheduled reconcile provisions it once it is available` };
  }
  // A database just created gets its users: the RDS-event path always provisions.
  return { job_id: await startFor(item, deps, {}) };
}
