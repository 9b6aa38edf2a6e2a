import { spawn } from 'node:child_process';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { DbrolesError } from '../errors.ts';

/** What a hook run gives the runner: the script and the two JSON variables (secrets: they hold passwords). */
export interface HookRunInput {
  readonly script: string;
  readonly env: Readonly<Record<'HOOP_AWS_CONNECT_REQUEST' | 'HOOP_AWS_CONNECT_RESPONSE', string>>;
  readonly timeoutSeconds: number;
}

/**
 * What a hook run gave back. `output` is raw (stdout and stderr joined) and may hold secrets: the
 * caller redacts and cuts it before it is stored. `exit_code` is -1 when the run was killed at the
 * timeout or could not start.
 */
export interface HookRunResult {
  readonly exit_code: number;
  readonly output: string;
  /** Output past the runner's memory cap, counted but not kept. */
  readonly dropped_bytes: number;
  readonly execution_time_sec: number;
}

/** Runs the hook script with `python3 -u`, stdin closed after the script, and a hard timeout. */
export interface HookRunner {
  run(input: HookRunInput): Promise<HookRunResult>;
}

/** Output kept in memory per run; the rest is only counted (the stored output is 4 KiB anyway). */
export const HOOK_OUTPUT_MEMORY_CAP = 1024 * 1024;

/** The environment a hook sees: the two variables and what Python needs, never dbroles' own (tokens, keys). */
export function hookEnvironment(env: HookRunInput['env']): Record<string, string> {
  const keep = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];
  return { ...Object.fromEntries(keep.flatMap((k) => (process.env[k] ? [[k, process.env[k] as string]] : []))), PYTHONIOENCODING: 'utf-8', ...env };
}

/**
 * The local runtime's runner: python3 as a child process in its own process group, the script on
 * stdin (as the product we replace passes it), stderr joined to stdout's pipe by the shell, and the
 * whole group killed at the timeout.
 */
export class LocalHookRunner implements HookRunner {
  async run(input: HookRunInput): Promise<HookRunResult> {
    const started = performance.now();
    const child = spawn(
      '/bin/sh',
      ['-c', 'command -v python3 >/dev/null 2>&1 || { echo "python3 is not installed (or not on PATH): the runbook hook needs Python 3"; exit 127; }; exec python3 -u - 2>&1'],
      { env: hookEnvironment(input.env), stdio: ['pipe', 'pipe', 'ignore'], detached: true },
    );
    const chunks: Buffer[] = [];
    let kept = 0;
    let dropped = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      const room = HOOK_OUTPUT_MEMORY_CAP - kept;
      if (room > 0) chunks.push(chunk.subarray(0, room));
      kept += Math.min(room, chunk.length);
      dropped += Math.max(0, chunk.length - Math.max(room, 0));
    });
    child.stdin.on('error', () => undefined); // a script that exits before reading all of itself
    child.stdin.end(input.script);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, input.timeoutSeconds * 1000);
    const code = await new Promise<number>((resolve, reject) => {
      child.on('error', (error) => reject(new DbrolesError(`run the runbook hook: ${error.message}`, { cause: error })));
      child.on('close', (status) => resolve(status ?? -1));
    }).finally(() => clearTimeout(timer));
    let output = Buffer.concat(chunks).toString('utf8');
    if (timedOut) output += `\n[dbroles: the hook ran past ${input.timeoutSeconds} s (DBROLES_HOOK_TIMEOUT_SECONDS) and was killed]\n`;
    return { exit_code: timedOut ? -1 : code, output, dropped_bytes: dropped, execution_time_sec: round((performance.now() - started) / 1000) };
  }
}

const round = (seconds: number) => Math.round(seconds * 1000) / 1000;

/**
 * The deployed runner: the small Python Lambda (lambdas/hook-runner) invoked synchronously with
 * `{script, env, timeout_seconds}`. The payload goes straight from this task to that function,
 * never through the state machine, whose history is logged.
 */
export class LambdaHookRunner implements HookRunner {
  constructor(
    private readonly lambda: LambdaClient,
    private readonly functionName: string,
  ) {}

  async run(input: HookRunInput): Promise<HookRunResult> {
    const started = performance.now();
    const out = await this.lambda.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'RequestResponse',
        Payload: Buffer.from(JSON.stringify({ script: input.script, env: input.env, timeout_seconds: input.timeoutSeconds })),
      }),
    );
    const text = Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8');
    if (out.FunctionError) {
      // The runner itself failed (not the script): its error type only, since its message could quote the input.
      const type = (JSON.parse(text || '{}') as { errorType?: string }).errorType ?? out.FunctionError;
      return { exit_code: -1, output: `the hook runner Lambda failed: ${type}`, dropped_bytes: 0, execution_time_sec: round((performance.now() - started) / 1000) };
    }
    const result = JSON.parse(text) as { exit_code: number; output: string; dropped_bytes?: number; execution_time_sec: number };
    return { exit_code: result.exit_code, output: result.output, dropped_bytes: result.dropped_bytes ?? 0, execution_time_sec: result.execution_time_sec };
  }
}
