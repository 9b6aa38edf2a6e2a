import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOOK_OUTPUT_LIMIT } from '../../../../lambdas/core/hook/hook-output.ts';
import { DirRunbookSource, GitRunbookSource, RUNBOOK_HOOK_PATH } from '../../../../lambdas/core/hook/runbook-source.ts';
import { JobRequestSchema, newJob, type RoleResult } from '../../../../lambdas/core/job.ts';
import type { WorkflowDeps } from '../../../../lambdas/core/steps/deps.ts';
import { roleSecretScope } from '../../../../lambdas/core/steps/provision-role.ts';
import { runHook } from '../../../../lambdas/core/steps/run-hook.ts';
import { startDynalite, type EmbeddedDynamo } from '../../../../local/embedded-dynamodb.ts';
import { rdsTarget } from '../../../support/targets.ts';
import { workflowDepsFor } from '../../../support/workflow-deps.ts';

const SEED_SCRIPT_DIR = fileURLToPath(new URL('../../../fixtures/runbooks', import.meta.url));
const ARN = 'arn:aws:rds:us-west-2:200070128927:db:pgtest1';
const MASTER_PASSWORD = 'hook-master-pw-1234';
const target = rdsTarget({ db_arn: ARN, resource_key: ARN, region: 'us-west-2', account_id: '200070128927', instance_id: 'pgtest1', host: 'pgtest1.sakjksqiwuqijs.us-west-2.rds.amazonaws.com', master_user: 'postgres' });

let dynamo: EmbeddedDynamo;
let scripts: string;
const rolePasswords: Record<string, string> = {};
beforeAll(async () => {
  dynamo = await startDynalite();
  scripts = await mkdtemp(join(tmpdir(), 'dbroles-hooks-'));
});
afterAll(async () => {
  await dynamo.stop();
  await rm(scripts, { recursive: true, force: true });
});

/** A folder whose hook file is `script`. */
async function folderWith(script: string): Promise<string> {
  const dir = join(scripts, randomUUID());
  await mkdir(join(dir, 'hoop-hooks'), { recursive: true });
  await writeFile(join(dir, RUNBOOK_HOOK_PATH), script);
  return dir;
}

/** A finished job on `target` whose completed roles have credentials in dbroles' store. */
async function finishedJob(deps: WorkflowDeps, failedTier?: 'ro' | 'rw' | 'ddl'): Promise<string> {
  const id = randomUUID();
  const request = JobRequestSchema.parse({ connection_prefix_name: 'pgtest1', aws: { instance_arn: ARN }, job_steps: ['send-webhook'] });
  await deps.jobs.create({ job: newJob({ id, orgId: 'org', dbArn: ARN, now: new Date() }), request });
  await deps.jobs.setSpec(id, { account_arn: 'arn:aws:iam::200070128927:root', db_arn: ARN, db_name: 'pgtest1', db_engine: 'postgres', db_tags: [{ key: 'owner', value: 'someone@mycorp.com' }] });
  await deps.credentials.putCurrentMaster(ARN, 'postgres', MASTER_PASSWORD);
  const store = deps.secretStores.open({ provider: 'database' });
  const results: RoleResult[] = [];
  for (const tier of ['ro', 'rw', 'ddl'] as const) {
    const scope = roleSecretScope(target, request, tier);
    const failed = tier === failedTier;
    let info = null;
    if (!failed) {
      const password = `role-${tier}-pw-${randomUUID().slice(0, 8)}`;
      rolePasswords[tier] = password;
      const secret = { host: target.host, port: 5432, user: scope.user, password, database: 'postgres' };
      await store.writePending(scope, secret);
      info = await store.promote(scope, secret);
    }
    results.push({
      user_role: scope.user,
      role_suffix_name: tier,
      status: failed ? 'failed' : 'completed',
      message: failed ? 'dial tcp: no such host' : '',
      credentials_info: info,
      completed_at: '2026-01-01T00:00:00Z',
      database_counts: { total: 0, completed: 0, failed: 0 },
      first_failures: [],
    });
  }
  const ok = results.every((r) => r.status === 'completed');
  await deps.jobs.finish(id, { phase: ok ? 'completed' : 'failed', message: ok ? 'All user roles have been successfully provisioned' : 'One or more user roles failed to be provisioned', result: results }, new Date().toISOString());
  return id;
}

async function depsWith(over: Partial<WorkflowDeps> = {}, timeout = 10): Promise<WorkflowDeps> {
  const deps = await workflowDepsFor(dynamo.endpoint, over);
  return { ...deps, config: { ...deps.config, hookTimeoutSeconds: timeout } };
}

describe('runHook with python3', () => {
  it("runs the seed's example script unmodified and stores its output with every password REDACTED", async () => {
    const deps = await depsWith({ runbooks: new DirRunbookSource(SEED_SCRIPT_DIR) });
    const id = await finishedJob(deps);
    expect(await runHook({ job_id: id, target }, deps)).toEqual({ ran: true, exit_code: 0 });
    const { job } = await deps.jobs.get(id);
    expect(job.hook_status?.exit_code).toBe(0);
    expect(typeof job.hook_status?.execution_time_sec).toBe('number');
    const output = job.hook_status?.output ?? '';
    expect(output).toContain('STARTING AWS CONNECT RUNBOOKS HOOK');
    expect(output).toContain(`request sid: ${id}`);
    expect(output).toContain(`request DB ARN: ${ARN}`);
    expect(output).toContain("request database tags: [{'owner': 'someone@mycorp.com'}]");
    expect(output).toContain('request database port: 5432');
    expect(output).toContain('request database master password: REDACTED');
    expect(output).toContain('request vault provider: None');
    expect(output).toContain('response status: completed');
    expect(output).toContain('credentials role user -> hoop_ddl');
    expect(output).toContain('credentials role password -> REDACTED');
    expect(output).toContain('credentials secrets manager provider -> database');
    for (const secret of [MASTER_PASSWORD, ...Object.values(rolePasswords)]) expect(output).not.toContain(secret);
    expect(job.steps.RunHook).toMatchObject({ status: 'completed', message: 'exit code 0' });
    expect(job.status.phase, 'the hook never changes the phase').toBe('completed');
  });

  it('exits 1 on a failed role, as with the product we replace, and records it without touching the phase', async () => {
    const deps = await depsWith({ runbooks: new DirRunbookSource(SEED_SCRIPT_DIR) });
    const id = await finishedJob(deps, 'ddl');
    expect(await runHook({ job_id: id, target }, deps)).toEqual({ ran: true, exit_code: 1 });
    const { job } = await deps.jobs.get(id);
    expect(job.hook_status?.output).toMatch(/KeyError: 'user'/);
    expect(job.status.phase).toBe('failed');
    expect(job.steps.RunHook).toMatchObject({ status: 'failed', message: 'exit code 1' });
  });

  it.each([
    ['exits 3', 'import sys\nprint("bye")\nsys.exit(3)\n', 3, /^bye\n$/],
    ['writes to stderr', 'import sys\nprint("out")\nprint("err", file=sys.stderr)\n', 0, /^out\nerr\n$/],
  ])('records a script that %s', async (_label, script, code, output) => {
    const deps = await depsWith({ runbooks: new DirRunbookSource(await folderWith(script)) });
    const id = await finishedJob(deps);
    await runHook({ job_id: id, target }, deps);
    const { job } = await deps.jobs.get(id);
    expect(job.hook_status).toMatchObject({ exit_code: code, output: expect.stringMatching(output) });
  });

  it('kills a script that runs past the timeout, with its children, and records exit code -1', async () => {
    const script = 'import subprocess, time\nchild = subprocess.Popen(["sleep", "30"])\nprint("child", child.pid, flush=True)\ntime.sleep(30)\n';
    const deps = await depsWith({ runbooks: new DirRunbookSource(await folderWith(script)) }, 1);
    const id = await finishedJob(deps);
    const started = Date.now();
    await runHook({ job_id: id, target }, deps);
    expect(Date.now() - started).toBeLessThan(8000);
    const { job } = await deps.jobs.get(id);
    expect(job.hook_status?.exit_code).toBe(-1);
    expect(job.hook_status?.output).toMatch(/^child \d+\n\n\[dbroles: the hook ran past 1 s \(DBROLES_HOOK_TIMEOUT_SECONDS\) and was killed\]/);
    const child = Number(/^child (\d+)/.exec(job.hook_status?.output ?? '')?.[1]);
    await new Promise((r) => setTimeout(r, 200));
    // Gone, or a zombie waiting for a reaper: either way no longer running.
    const state = await readFile(`/proc/${child}/stat`, 'utf8').then((stat) => stat.split(') ')[1]?.[0], () => 'gone');
    expect(['gone', 'Z'], "the script's own child was killed with it").toContain(state);
  });

  it('cuts 100 KB of output, and non-ASCII output, at 4096 bytes without splitting a character', async () => {
    for (const [script, char] of [
      ['print("x" * 100000)\n', 'x'],
      ['print("é€😀" * 10000)\n', null],
    ] as const) {
      const deps = await depsWith({ runbooks: new DirRunbookSource(await folderWith(script)) });
      const id = await finishedJob(deps);
      await runHook({ job_id: id, target }, deps);
      const output = (await deps.jobs.get(id)).job.hook_status?.output ?? '';
      expect(Buffer.byteLength(output)).toBeLessThanOrEqual(HOOK_OUTPUT_LIMIT);
      expect(output).toMatch(/ \[truncated \d+ bytes\]$/);
      expect(output).not.toContain('\uFFFD');
      if (char) expect(output.startsWith(char.repeat(4000))).toBe(true);
    }
  });

  it('runs no hook when no source is configured or the file is absent', async () => {
    for (const runbooks of [undefined, new DirRunbookSource(scripts)]) {
      const deps = await depsWith({ runbooks });
      const id = await finishedJob(deps);
      expect(await runHook({ job_id: id, target }, deps)).toEqual({ ran: false, exit_code: null });
      const { job } = await deps.jobs.get(id);
      expect(job.hook_status).toBeNull();
      expect(job.steps.RunHook?.status).toBe('skipped');
    }
  });

  it('records an unreachable source as a hook failure with a clear message', async () => {
    const deps = await depsWith({ runbooks: new GitRunbookSource({ url: 'http://127.0.0.1:1/runbooks.git' }) });
    const id = await finishedJob(deps);
    expect(await runHook({ job_id: id, target }, deps)).toEqual({ ran: true, exit_code: -1 });
    expect((await deps.jobs.get(id)).job.hook_status).toMatchObject({ exit_code: -1, output: expect.stringMatching(/^cannot fetch the runbooks from git repository http:\/\/127\.0\.0\.1:1\/runbooks\.git: /) });
  });

  it('says so when python3 is missing', async () => {
    const deps = await depsWith({ runbooks: new DirRunbookSource(SEED_SCRIPT_DIR) });
    const id = await finishedJob(deps);
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await runHook({ job_id: id, target }, deps);
    } finally {
      process.env.PATH = path;
    }
    expect((await deps.jobs.get(id)).job.hook_status).toMatchObject({ exit_code: 127, output: 'python3 is not installed (or not on PATH): the runbook hook needs Python 3\n' });
  });
});
