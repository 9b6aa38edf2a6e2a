import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { HOOK_RUNNER_DIR, invokePythonHandler } from '../support/hook-runner-lambda.ts';

describe('the Python hook runner Lambda (lambdas/hook-runner)', () => {
  it('passes its own unittest suite', async () => {
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile('python3', ['-B', '-m', 'unittest', '-v'], { cwd: HOOK_RUNNER_DIR, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
      );
    });
    expect(code, output).toBe(0);
    expect(output).toMatch(/Ran 3 tests/);
  });

  it('answers an event as Lambda would call it', async () => {
    const out = JSON.parse(await invokePythonHandler({ script: "import os\nprint(os.environ['HOOP_AWS_CONNECT_RESPONSE'])\n", env: { HOOP_AWS_CONNECT_RESPONSE: '{"status": "completed"}' }, timeout_seconds: 5 }));
    expect(out).toMatchObject({ exit_code: 0, output: '{"status": "completed"}\n', dropped_bytes: 0 });
  });
});
