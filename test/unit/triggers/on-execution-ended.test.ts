import { randomBytes, randomUUID } from 'node:crypto';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRequestSchema, newJob } from '../../../lambdas/core/job.ts';
import { createDocumentClient } from '../../../lambdas/core/store/dynamo.ts';
import { DynamoJobStore } from '../../../lambdas/core/store/job-store.ts';
import { DynamoLockStore } from '../../../lambdas/core/store/lock-store.ts';
import { ensureTable, LOCAL_AWS_CREDENTIALS, startDynalite, type EmbeddedDynamo } from '../../../local/embedded-dynamodb.ts';

const TABLE = 'dbroles-triggers';
let dynamo: EmbeddedDynamo;
const lambda = mockClient(LambdaClient);

beforeAll(async () => {
  dynamo = await startDynalite();
  await ensureTable(dynamo.endpoint, TABLE);
  // The deployed function's environment: no Svix key, only the Notify function's name.
  Object.assign(process.env, {
    DBROLES_TABLE: TABLE,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    DBROLES_LOCAL_KEY: randomBytes(32).toString('base64'),
    NOTIFY_FUNCTION_NAME: 'dbroles-notify',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
});
afterAll(() => dynamo.stop());

const doc = () => createDocumentClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: LOCAL_AWS_CREDENTIALS });
const context = { getRemainingTimeInMillis: () => 60_000, functionName: 'on-execution-ended', awsRequestId: 'r' };
const event = (name: string) => ({ detail: { name, status: 'TIMED_OUT', executionArn: `arn:aws:states:us-east-1:111111111111:execution:dbroles:${name}` } });

describe('OnExecutionEnded, deployed', () => {
  it('fails the abandoned job, releases its lock and hands it to the Notify function once, without svix', async () => {
    const jobs = new DynamoJobStore(doc(), TABLE);
    const locks = new DynamoLockStore(doc(), TABLE);
    const id = randomUUID();
    const request = JobRequestSchema.parse({ connection_prefix_name: 'x', job_steps: ['send-webhook'], aws: { instance_arn: 'arn:aws:rds:us-east-1:111111111111:db:a' } });
    await jobs.create({ job: newJob({ id, orgId: 'o', dbArn: 'a', now: new Date() }), request });
    await locks.acquire('db-a', id, 600, new Date());
    await jobs.setLockKey(id, 'db-a');

    const { handler } = await import('../../../lambdas/triggers/on-execution-ended.ts');
    expect(await handler(event(id), context as never)).toEqual({ job_id: id, acted: true });
    expect(await handler(event(id), context as never)).toEqual({ job_id: id, acted: false });

    expect((await jobs.get(id)).job.status).toMatchObject({ phase: 'failed', message: expect.stringMatching(/ended TIMED_OUT before recording this job/) });
    await expect(locks.acquire('db-a', 'next-job', 600, new Date())).resolves.toBeUndefined();
    const invokes = lambda.commandCalls(InvokeCommand).map((call) => call.args[0].input);
    expect(invokes).toHaveLength(1);
    expect(invokes[0]).toMatchObject({ FunctionName: 'dbroles-notify', InvocationType: 'Event' });
    expect(JSON.parse(new TextDecoder().decode(invokes[0]?.Payload as Uint8Array))).toEqual({ job_id: id });
  });
});
