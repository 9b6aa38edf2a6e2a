import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import * as z from 'zod';
import { failUnfinishedJob } from '../core/end-job.ts';
import { NotFoundError } from '../core/errors.ts';
import { endJobDeps } from '../shared/end-job-deps.ts';
import { parseInput } from '../shared/parse-input.ts';
import { logger } from '../shared/logger.ts';

/** The part of Step Functions' "Execution Status Change" event that matters: the execution is named after its job. */
export const ExecutionEndedEventSchema = z.object({
  detail: z.object({ name: z.string().min(1), status: z.enum(['FAILED', 'TIMED_OUT', 'ABORTED']), executionArn: z.string() }),
});

/**
 * EventBridge rule on executions that failed, timed out or were aborted: a job they left running
 * becomes failed within a minute, its lock released and its webhook sent. A job the workflow
 * already recorded is left alone (and not notified twice).
 */
export const handler = middy(async (event: unknown) => {
  const { detail } = parseInput(ExecutionEndedEventSchema, event, 'OnExecutionEnded');
  try {
    const acted = await failUnfinishedJob(detail.name, `the workflow execution ended ${detail.status} before recording this job; run the job again`, endJobDeps());
    logger.info('execution ended', { job_id: detail.name, status: detail.status, acted });
    return { job_id: detail.name, acted };
  } catch (error) {
    if (error instanceof NotFoundError) return { job_id: detail.name, acted: false };
    throw error;
  }
}).use(injectLambdaContext(logger));
