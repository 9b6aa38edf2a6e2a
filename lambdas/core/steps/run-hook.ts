import { currentMasterPassword } from './database-login.ts';
import * as z from 'zod';
import { errorMessage } from '../redact.ts';
import { buildHookRequest, buildHookResponse, loadStoredCredentials } from '../hook/runbook-inputs.ts';
import { storedHookOutput } from '../hook/hook-output.ts';
import { RUNBOOK_HOOK_PATH, RunbookSourceError } from '../hook/runbook-source.ts';
import type { Job } from '../job.ts';
import { DbTargetSchema } from '../target.ts';
import type { BaseDeps, HookDeps } from './deps.ts';

export const RunHookInputSchema = z.object({ job_id: z.string(), target: DbTargetSchema });

type HookStatus = NonNullable<Job['hook_status']>;

/**
 * Step 7, after Finalize and before Notify (never on the failure path): runs the runbook hook
 * `hoop-hooks/aws-connect-post-exec.runbook.py` when the configured source holds it, with the seed's
 * REQUEST and RESPONSE (passwords included: they are the point of the hook). `hook_status` goes on
 * the job with its output redacted of every password of the job, then cut to 4096 bytes. A hook
 * that fails, or a source that cannot be read, never changes the job's phase. Returns only the exit
 * code: no password or output passes through the state machine.
 */
export async function runHook(input: z.infer<typeof RunHookInputSchema>, deps: BaseDeps & HookDeps): Promise<{ ran: boolean; exit_code: number | null }> {
  const step = (status: 'skipped' | 'completed' | 'failed', message: string) =>
    deps.jobs.setStep(input.job_id, 'RunHook', { status, finished_at: deps.clock().toISOString(), message });
  const source = deps.runbooks;
  const { request: { dry_run: dryRun, verify_only: verifyOnly } } = await deps.jobs.get(input.job_id);
  if (dryRun || verifyOnly) {
    await step('skipped', dryRun ? 'dry run: the hook runs only after a real job' : 'verify only: the hook runs only after provisioning');
    return { ran: false, exit_code: null };
  }
  if (!source) {
    await step('skipped', 'no runbook source configured (DBROLES_RUNBOOKS_GIT_URL or DBROLES_RUNBOOKS_DIR)');
    return { ran: false, exit_code: null };
  }
  await deps.jobs.setStep(input.job_id, 'RunHook', { status: 'running', started_at: deps.clock().toISOString() });
  const record = async (status: HookStatus) => {
    await deps.jobs.setHookStatus(input.job_id, status);
    await step(status.exit_code === 0 ? 'completed' : 'failed', `exit code ${status.exit_code}`);
    return { ran: true, exit_code: status.exit_code };
  };

  let script: string | undefined;
  try {
    script = await source.fetchHook();
  } catch (error) {
    const message = error instanceof RunbookSourceError ? error.message : `cannot read the runbooks from ${source.description}: ${errorMessage(error, [])}`;
    return record({ exit_code: -1, output: message, execution_time_sec: 0 });
  }
  if (script === undefined) {
    await step('skipped', `${source.description} has no ${RUNBOOK_HOOK_PATH}`);
    return { ran: false, exit_code: null };
  }

  const { target } = input;
  const jobRecord = await deps.jobs.get(input.job_id);
  const master = target.master_secret_arn
    ? { current: await currentMasterPassword(target, deps).catch(() => undefined), pending: undefined }
    : await deps.credentials.getMaster(target.resource_key, target.master_user);
  let credentials;
  try {
    credentials = await loadStoredCredentials(jobRecord.job, deps.secretStores);
  } catch (error) {
    return record({ exit_code: -1, output: `the hook did not run: cannot read the users' credentials back: ${errorMessage(error, [master?.current])}`, execution_time_sec: 0 });
  }
  const secrets = [master?.current, master?.pending, ...Object.values(credentials).map((c) => c?.secret.password)];
  const request = buildHookRequest(jobRecord, target, master?.current ?? '');
  const response = buildHookResponse(jobRecord.job, credentials);
  let result;
  try {
    result = await deps.hookRunner.run({
      script,
      env: { HOOP_AWS_CONNECT_REQUEST: JSON.stringify(request), HOOP_AWS_CONNECT_RESPONSE: JSON.stringify(response) },
      timeoutSeconds: deps.config.hookTimeoutSeconds,
    });
  } catch (error) {
    return record({ exit_code: -1, output: `the hook did not run: ${errorMessage(error, secrets)}`, execution_time_sec: 0 });
  }
  return record({ exit_code: result.exit_code, output: storedHookOutput(result.output, secrets, result.dropped_bytes), execution_time_sec: result.execution_time_sec });
}
