/** Key builders for the one dbroles table (pk/sk, plus gsi1 for listing jobs newest first). */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk', gsi1: 'gsi1', gsi1PartitionKey: 'gsi1pk', gsi1SortKey: 'gsi1sk' } as const;

export const jobKey = (id: string) => ({ pk: `JOB#${id}`, sk: 'JOB' });
/** All jobs share one gsi1 partition, sorted by creation time then id. */
export const jobListKey = (createdAt: string, id: string) => ({ gsi1pk: 'JOBS', gsi1sk: `${createdAt}#${id}` });
/** A master's credentials: one item per server and master user, so two master users never overwrite each other. */
export const masterCredentialKey = (dbArn: string, user: string) => ({ pk: `CRED#${dbArn}`, sk: `MASTER#${user}` });
/** Where releases before the per-user key kept a server's master: read as a fallback, migrated on the next write. */
export const legacyMasterCredentialKey = (dbArn: string) => ({ pk: `CRED#${dbArn}`, sk: 'MASTER' });
/** The master password a job came with (databases given directly), until the job has verified it. */
export const offeredMasterKey = (jobId: string) => ({ pk: `JOB#${jobId}`, sk: 'OFFERED_MASTER' });
export const roleCredentialKey = (dbArn: string, user: string) => ({ pk: `CRED#${dbArn}`, sk: `ROLE#${user}` });
/** One role's outcome in one database of a job, sorted by role then database. */
export const jobDatabaseKey = (jobId: string, userRole: string, database: string) => ({ pk: `JOBDB#${jobId}`, sk: `${userRole}#${database}` });
/** One item of a dry-run job's plan: sections sort in the order the steps run, items in the order recorded. */
export const jobPlanKey = (jobId: string, section: string, index: number) => ({ pk: `JOBPLAN#${jobId}`, sk: `${section}#${String(index).padStart(6, '0')}` });
export const lockKey = (resource: string) => ({ pk: `LOCK#${resource}`, sk: 'LOCK' });
/** One small item per running job, so the sweep pages through running jobs only, not all history. */
export const runningJobKey = (id: string) => ({ pk: `RUNNING#${id}`, sk: 'RUNNING' });
export const runningJobListKey = (createdAt: string, id: string) => ({ gsi1pk: 'RUNNING_JOBS', gsi1sk: `${createdAt}#${id}` });
/** The AWS access keys set through the API (encrypted). */
export const awsSettingsKey = () => ({ pk: 'CONFIG#aws', sk: 'CONFIG' });
export const connectionKey = (name: string) => ({ pk: `CONN#${name}`, sk: 'CONN' });
export const connectionListKey = (name: string) => ({ gsi1pk: 'CONNS', gsi1sk: name });

/** The credential id a role result points to (`secret_id` for provider `database`). */
export const roleCredentialId = (dbArn: string, user: string) => `${dbArn}/${user}`;
