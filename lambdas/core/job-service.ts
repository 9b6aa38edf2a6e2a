import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { DbrolesError } from './errors.ts';
import { jobDbArn, JobRequestSchema, newJob, type JobRequestInputSchema } from './job.ts';
import { refuseLinkLocalHost } from './network-guard.ts';
import { errorMessage } from './redact.ts';
import type { SecretStores } from './secrets/secret-stores.ts';
import type { CredentialStore } from './store/credential-store.ts';
import type { JobStore } from './store/job-store.ts';

/** Starts the workflow for a job (Step Functions when deployed, the local runner otherwise); returns the execution ARN. */
export interface JobStarter {
  start(jobId: string): Promise<string>;
}

export interface JobServiceDeps {
  readonly jobs: JobStore;
  readonly credentials: CredentialStore;
  /** Checks, before a job starts, that the store it asks for is configured. */
  readonly secretStores: Pick<SecretStores, 'check'>;
  readonly starter: JobStarter;
  readonly clock: () => Date;
  readonly orgId: string;
  readonly newId?: () => string;
  /** Let a database given directly be on a link-local address (DBROLES_ALLOW_LINK_LOCAL). @default false */
  readonly allowLinkLocal?: boolean;
}

/**
 * Records a job as `running` and starts its execution, named after the job. A master password given
 * with the job is stored encrypted at once and never written to the job. If the execution cannot
 * start, the job is marked failed (never left running) and the error is thrown.
 */
export async function createJob(input: z.input<typeof JobRequestInputSchema>, deps: JobServiceDeps): Promise<{ job_id: string }> {
  const id = (deps.newId ?? randomUUID)();
  const { target, aws, ...rest } = input;
  let masterPassword: string | undefined;
  let storedTarget;
  let storedAws;
  if (target) ({ master_password: masterPassword, ...storedTarget } = target);
  if (aws) ({ master_password: masterPassword, ...storedAws } = aws);
  const request = JobRequestSchema.parse({ ...rest, aws: storedAws, target: storedTarget });
  deps.secretStores.check(request);
  if (request.target) await refuseLinkLocalHost(request.target.host, deps.allowLinkLocal ?? false, 'request');
  if (masterPassword) await deps.credentials.putOfferedMaster(id, masterPassword);
  await deps.jobs.create({ job: newJob({ id, orgId: deps.orgId, dbArn: jobDbArn(request), now: deps.clock() }), request });
  let executionArn: string;
  try {
    executionArn = await deps.starter.start(id);
  } catch (error) {
    const message = `could not start the workflow: ${errorMessage(error, [masterPassword])}`;
    await deps.jobs.finish(id, { phase: 'failed', message, result: [] }, deps.clock().toISOString());
    await deps.credentials.deleteOfferedMaster(id);
    throw new DbrolesError(message, { cause: error });
  }
  // The execution runs: failing to note its ARN must not mark the job failed (the sweep derives it from the job id).
  await deps.jobs.setExecutionArn(id, executionArn).catch(() => undefined);
  return { job_id: id };
}
