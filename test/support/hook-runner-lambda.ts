import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';

export const HOOK_RUNNER_DIR = fileURLToPath(new URL('../../lambdas/hook-runner', import.meta.url));

/** Calls the Python hook runner's handler as Lambda would: the event as JSON in, the result as JSON out. */
export function invokePythonHandler(event: unknown): Promise<string> {
  const call = 'import json, sys; from handler import handler; print(json.dumps(handler(json.load(sys.stdin), None)))';
  return new Promise((resolve, reject) => {
    const child = execFile('python3', ['-B', '-c', call], { cwd: HOOK_RUNNER_DIR, maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    child.stdin?.end(JSON.stringify(event));
  });
}

/** Routes every Lambda Invoke to the real Python handler (the deployed hook path, without AWS). */
export function mockHookRunnerLambda() {
  const mock = mockClient(LambdaClient);
  mock.on(InvokeCommand).callsFake(async (input: { Payload?: Uint8Array }) => {
    const event = JSON.parse(Buffer.from(input.Payload ?? new Uint8Array()).toString('utf8'));
    return { StatusCode: 200, Payload: new TextEncoder().encode(await invokePythonHandler(event)) };
  });
  return mock;
}
