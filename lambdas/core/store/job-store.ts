import { BatchWriteCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../errors.ts';
import { DatabaseOutcomeSchema, JobRecordSchema, PlanItemSchema, type DatabaseOutcomeItem, type Job, type JobRecord, type PlanItem, type RoleResult, type StepProgress } from '../job.ts';
import { decodePageToken, encodePageToken, isConditionFailed } from './dynamo.ts';
import { jobDatabaseKey, jobKey, jobPlanKey, jobListKey, TABLE_KEYS, runningJobKey, runningJobListKey } from './keys.ts';

export interface JobPage {
  readonly items: JobRecord[];
  readonly nextToken?: string;
}

/** Where jobs live. Every write is a single-item write; none holds a password. */
export interface JobStore {
  /** Creates the record; fails with ConflictError when the id exists. */
  create(record: JobRecord): Promise<void>;
  /** The record, or NotFoundError. */
  get(id: string): Promise<JobRecord>;
  setSpec(id: string, spec: Job['spec']): Promise<void>;
  setStep(id: string, step: string, progress: StepProgress): Promise<void>;
  setExecutionArn(id: string, arn: string): Promise<void>;
  /**
   * Ends the job: phase, message, results and completed_at. Only a running job can finish, so a
   * late failure handler never overwrites a finished job. Returns false when it was already finished.
   */
  finish(id: string, status: { phase: 'completed' | 'failed'; message: string; result: RoleResult[] }, completedAt: string): Promise<boolean>;
  setWebhook(id: string, webhook: NonNullable<Job['webhook']>): Promise<void>;
  /** Records the database lock the job took, so a job ended from outside its execution can release it. */
  setLockKey(id: string, lockKey: string): Promise<void>;
  /** Stores one role's outcome in each database (one item each, written in batches). Idempotent. */
  putDatabaseOutcomes(jobId: string, outcomes: ReadonlyArray<DatabaseOutcomeItem>): Promise<void>;
  /** A page of a job's outcomes per role and database. */
  listDatabaseOutcomes(jobId: string, limit: number, nextToken?: string): Promise<{ items: DatabaseOutcomeItem[]; nextToken?: string }>;
  /** Stores one step's part of a dry-run job's plan, under `section` (rewritten whole on a retry). */
  putPlanItems(jobId: string, section: string, items: ReadonlyArray<PlanItem>): Promise<void>;
  /** A page of a dry-run job's plan, in the order the steps would run. */
  listPlanItems(jobId: string, limit: number, nextToken?: string): Promise<{ items: PlanItem[]; nextToken?: string }>;
  /** Records where the master credential came from. */
  setMasterSource(id: string, source: NonNullable<Job['master_source']>): Promise<void>;
  /** Sets the drift the `verify` step found, all users together. */
  setVerify(id: string, verify: NonNullable<Job['verify']>): Promise<void>;
  /** Sets a dry-run job's plan counts. */
  setPlanSummary(id: string, summary: NonNullable<Job['plan']>): Promise<void>;
  /** Ids of jobs still marked running, oldest first, a page at a time. */
  listRunning(limit: number, nextToken?: string): Promise<{ ids: string[]; nextToken?: string }>;
  /** Forgets a running marker left behind (its job finished, or was never written). */
  forgetRunning(id: string): Promise<void>;
  /** The runbook hook's outcome; its output is already redacted and cut. */
  setHookStatus(id: string, status: NonNullable<Job['hook_status']>): Promise<void>;
  /** Newest first. */
  list(limit: number, nextToken?: string): Promise<JobPage>;
}

export class DynamoJobStore implements JobStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(record: JobRecord): Promise<void> {
    // The marker first: a crash in between leaves a marker the sweep clears, never a running job it cannot find.
    await this.doc.send(
      new PutCommand({ TableName: this.table, Item: { ...runningJobKey(record.job.id), ...runningJobListKey(record.job.created_at, record.job.id), job_id: record.job.id } }),
    );
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...jobKey(record.job.id), ...jobListKey(record.job.created_at, record.job.id), ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailed(error)) throw new ConflictError(`job "${record.job.id}" already exists`, { cause: error });
      throw error;
    }
  }

  async get(id: string): Promise<JobRecord> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: jobKey(id), ConsistentRead: true }));
    if (!out.Item) throw new NotFoundError(`job "${id}" not found`);
    return JobRecordSchema.parse(out.Item);
  }

  private async set(id: string, path: string[], value: unknown, condition?: { expression: string; values: Record<string, unknown>; names?: Record<string, string> }): Promise<void> {
    const names = Object.fromEntries(path.map((p, i) => [`#p${i}`, p]));
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: jobKey(id),
        UpdateExpression: `SET ${path.map((_, i) => `#p${i}`).join('.')} = :v`,
        ConditionExpression: condition ? `attribute_exists(pk) AND ${condition.expression}` : 'attribute_exists(pk)',
        ExpressionAttributeNames: { ...names, ...(condition?.names ?? {}) },
        ExpressionAttributeValues: { ':v': value, ...(condition?.values ?? {}) },
      }),
    );
  }

  async setSpec(id: string, spec: Job['spec']): Promise<void> {
    await this.set(id, ['job', 'spec'], spec);
  }

  async setStep(id: string, step: string, progress: StepProgress): Promise<void> {
    await this.set(id, ['job', 'steps', step], progress);
  }

  async setExecutionArn(id: string, arn: string): Promise<void> {
    await this.set(id, ['job', 'execution_arn'], arn);
  }

  async finish(id: string, status: { phase: 'completed' | 'failed'; message: string; result: RoleResult[] }, completedAt: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: jobKey(id),
          UpdateExpression: 'SET #job.#status = :status, #job.#completed = :completed',
          ConditionExpression: '#job.#status.#phase = :running',
          ExpressionAttributeNames: { '#job': 'job', '#status': 'status', '#completed': 'completed_at', '#phase': 'phase' },
          ExpressionAttributeValues: { ':status': status, ':completed': completedAt, ':running': 'running' },
        }),
      );
      await this.forgetRunning(id).catch(() => undefined);
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  async setWebhook(id: string, webhook: NonNullable<Job['webhook']>): Promise<void> {
    await this.set(id, ['job', 'webhook'], webhook);
  }

  async setHookStatus(id: string, status: NonNullable<Job['hook_status']>): Promise<void> {
    await this.set(id, ['job', 'hook_status'], status);
  }

  async setLockKey(id: string, key: string): Promise<void> {
    await this.set(id, ['lock_key'], key);
  }

  async putDatabaseOutcomes(jobId: string, outcomes: ReadonlyArray<DatabaseOutcomeItem>): Promise<void> {
    await this.putBatches(jobId, outcomes.map((o) => ({ ...jobDatabaseKey(jobId, o.user_role, o.database), ...o })));
  }

  async putPlanItems(jobId: string, section: string, items: ReadonlyArray<PlanItem>): Promise<void> {
    await this.putBatches(jobId, items.map((item, index) => ({ ...jobPlanKey(jobId, section, index), ...item })));
  }

  async listPlanItems(jobId: string, limit: number, nextToken?: string): Promise<{ items: PlanItem[]; nextToken?: string }> {
    return this.queryPage(`JOBPLAN#${jobId}`, limit, nextToken, (i) => PlanItemSchema.parse(i));
  }

  /** One page of a partition's items, parsed. */
  private async queryPage<T>(pk: string, limit: number, nextToken: string | undefined, parse: (item: unknown) => T): Promise<{ items: T[]; nextToken?: string }> {
    const out = await this.doc.send(
      new QueryCommand({ TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, Limit: limit, ExclusiveStartKey: decodePageToken(nextToken) }),
    );
    return { items: (out.Items ?? []).map(parse), nextToken: encodePageToken(out.LastEvaluatedKey) };
  }

  async setMasterSource(id: string, source: NonNullable<Job['master_source']>): Promise<void> {
    await this.set(id, ['job', 'master_source'], source);
  }

  async setVerify(id: string, verify: NonNullable<Job['verify']>): Promise<void> {
    await this.set(id, ['job', 'verify'], verify);
  }

  async setPlanSummary(id: string, summary: NonNullable<Job['plan']>): Promise<void> {
    await this.set(id, ['job', 'plan'], summary);
  }

  /** Writes items 25 at a time, retrying what DynamoDB leaves unprocessed. */
  private async putBatches(jobId: string, items: ReadonlyArray<Record<string, unknown>>): Promise<void> {
    for (let i = 0; i < items.length; i += 25) {
      let requests: Record<string, unknown>[] | undefined = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests && requests.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
        if (attempt > 8) throw new Error(`store items of job ${jobId}: DynamoDB kept ${requests.length} writes unprocessed`);
        const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.table]: requests as never } }));
        requests = out.UnprocessedItems?.[this.table] as Record<string, unknown>[] | undefined;
      }
    }
  }

  async listDatabaseOutcomes(jobId: string, limit: number, nextToken?: string): Promise<{ items: DatabaseOutcomeItem[]; nextToken?: string }> {
    return this.queryPage(`JOBDB#${jobId}`, limit, nextToken, (i) => DatabaseOutcomeSchema.parse(i));
  }

  async listRunning(limit: number, nextToken?: string): Promise<{ ids: string[]; nextToken?: string }> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: TABLE_KEYS.gsi1,
        KeyConditionExpression: 'gsi1pk = :running',
        ExpressionAttributeValues: { ':running': 'RUNNING_JOBS' },
        Limit: limit,
        ExclusiveStartKey: decodePageToken(nextToken),
      }),
    );
    return {
      ids: (out.Items ?? []).map((i) => String(i.job_id)),
      nextToken: encodePageToken(out.LastEvaluatedKey),
    };
  }

  async forgetRunning(id: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: runningJobKey(id) }));
  }

  async list(limit: number, nextToken?: string): Promise<JobPage> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: TABLE_KEYS.gsi1,
        KeyConditionExpression: 'gsi1pk = :jobs',
        ExpressionAttributeValues: { ':jobs': 'JOBS' },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: decodePageToken(nextToken),
      }),
    );
    return {
      items: (out.Items ?? []).map((item) => JobRecordSchema.parse(item)),
      nextToken: encodePageToken(out.LastEvaluatedKey),
    };
  }
}
