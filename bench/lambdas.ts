/**
 * What each deployed function bundles and how long it takes to load. Synthesizes the stack offline
 * (every function bundled by esbuild as `cdk deploy` would), then for each Node function prints the
 * bundle's size (without .map files), its cold import time (median of 5, each in a fresh `node
 * --enable-source-maps`, as Lambda runs it) and how long its first error's stack trace takes. It
 * also builds a reference bundle equivalent to the single-registry design this replaced: one entry
 * that imports every task and every dependency, with the same esbuild options. Then it runs one
 * 3-role job through the local runner and counts its state transitions.
 *
 *   npm run bench:lambdas
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
const { App } = await import('aws-cdk-lib');
const { build } = await import('esbuild');
const { DbrolesStack } = await import('../lib/dbroles-stack.ts');
const { BUNDLE_OPTIONS, sdkSchemaLiteralKeys } = await import('../lib/function-bundle.ts');
const { WORKFLOW_FUNCTIONS } = await import('../lambdas/shared/task-registry.ts');

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'dbroles-bench-lambdas-'));
const MB = 1024 * 1024;

/** Bytes of a bundle directory without its source maps. */
function bundleBytes(dir: string): number {
  return readdirSync(dir)
    .filter((f) => !f.endsWith('.map'))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** Milliseconds to import the bundle, and to format the stack of an error its handler throws. */
function measure(file: string, exportName: string): { importMs: number; stackMs: number } {
  const script = `
    const t0 = performance.now();
    const m = await import(${JSON.stringify(`file://${file}`)});
    const importMs = performance.now() - t0;
    let stackMs = -1;
    try { await m[${JSON.stringify(exportName)}]({}, { getRemainingTimeInMillis: () => 1000, functionName: 'bench', awsRequestId: 'x' }); }
    catch (error) { const t1 = performance.now(); void error.stack; stackMs = performance.now() - t1; }
    console.log(JSON.stringify({ importMs, stackMs }));`;
  const runs = Array.from({ length: 5 }, () => {
    const stdout = execFileSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
      cwd: out,
      env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'SILENT', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      encoding: 'utf8',
    });
    return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { importMs: number; stackMs: number };
  });
  return { importMs: median(runs.map((r) => r.importMs)), stackMs: median(runs.map((r) => r.stackMs)) };
}

try {
  // 1. The stack, synthesized with every function bundled.
  const started = performance.now();
  const app = new App({ outdir: join(out, 'cdk.out'), context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new DbrolesStack(app, 'DbrolesBench', { env: { account: '111111111111', region: 'us-east-1' } });
  const assembly = app.synth();
  console.log(`synthesized in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const template = JSON.parse(readFileSync(join(assembly.directory, `${stack.stackName}.template.json`), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: { Runtime?: string; Handler?: string }; Metadata?: Record<string, string> }>;
  };
  const functions = Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties.Runtime?.startsWith('nodejs') && r.Metadata?.['aws:asset:path'])
    .map(([id, r]) => ({
      name: id.replace(/Function[0-9A-F]{8}$|[0-9A-F]{8}$/, ''),
      dir: join(assembly.directory, r.Metadata?.['aws:asset:path'] ?? ''),
      exportName: (r.Properties.Handler ?? 'index.handler').split('.')[1] ?? 'handler',
    }));

  // 2. The reference: every task and every dependency in one bundle, as before the registry was split.
  const referenceDir = join(out, 'reference');
  mkdirSync(referenceDir);
  await build({
    stdin: {
      contents: `
        import middy from '@middy/core';
        import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
        import { TASK_IMPLEMENTATIONS } from './lambdas/shared/all-tasks.ts';
        import { buildWorkflowDeps } from './lambdas/shared/all-deps.ts';
        import { WorkflowEnvSchema } from './lambdas/shared/env.ts';
        import { logger } from './lambdas/shared/logger.ts';
        let deps;
        export const handler = middy(async (event) => TASK_IMPLEMENTATIONS.Prepare(event, (deps ??= buildWorkflowDeps(WorkflowEnvSchema.parse(process.env))))).use(injectLambdaContext(logger));`,
      resolveDir: ROOT,
      loader: 'ts',
    },
    outfile: join(referenceDir, 'index.mjs'),
    ...BUNDLE_OPTIONS,
    // As the all-in-one handler was built: its sources in the map. The same plugin, so the ratios
    // measure the split, not the SDK's schemas.
    sourcesContent: true,
    plugins: [sdkSchemaLiteralKeys],
    logLevel: 'error',
  });
  const reference = { bytes: bundleBytes(referenceDir), ...measure(join(referenceDir, 'index.mjs'), 'handler') };

  // 3. Each function.
  const postgresPath = new Set(
    Object.entries(WORKFLOW_FUNCTIONS)
      .filter(([, spec]) => !spec.family || spec.family === 'postgres')
      .map(([name]) => name),
  );
  console.log('\nfunction                          bundle MB   cold import ms   first stack ms');
  const rows = functions.map((fn) => ({ ...fn, bytes: bundleBytes(fn.dir), ...measure(join(fn.dir, 'index.mjs'), fn.exportName) }));
  for (const r of [...rows].sort((a, b) => b.bytes - a.bytes)) {
    console.log(`${r.name.padEnd(33)} ${(r.bytes / MB).toFixed(2).padStart(9)} ${r.importMs.toFixed(0).padStart(16)} ${r.stackMs.toFixed(1).padStart(16)}${postgresPath.has(r.name) ? '   (postgres job)' : ''}`);
  }
  console.log(`${'reference (everything)'.padEnd(33)} ${(reference.bytes / MB).toFixed(2).padStart(9)} ${reference.importMs.toFixed(0).padStart(16)} ${reference.stackMs.toFixed(1).padStart(16)}`);

  // 4. State transitions of a 3-role job with no waits.
  const transitions = await countTransitions();
  console.log(`\nstate transitions: ${transitions}`);

  const total = rows.reduce((sum, r) => sum + r.bytes, 0);
  const t = total / (reference.bytes * rows.length);
  const largest = Math.max(...rows.map((r) => r.bytes)) / MB;
  const postgresLargest = Math.max(...rows.filter((r) => postgresPath.has(r.name)).map((r) => r.bytes)) / MB;
  const importRatio = median(rows.map((r) => r.importMs)) / reference.importMs;
  console.log(
    `total bundle ratio vs reference: ${t.toFixed(2)}x, largest: ${largest.toFixed(2)} MB, postgres path largest: ${postgresLargest.toFixed(2)} MB, median cold import ratio vs reference: ${importRatio.toFixed(2)}x`,
  );
} finally {
  rmSync(out, { recursive: true, force: true });
}

async function countTransitions(): Promise<number> {
  const { startDynalite } = await import('../local/embedded-dynamodb.ts');
  const { workflowDepsFor } = await import('../test/support/workflow-deps.ts');
  const { localTaskHandlers } = await import('../lambdas/shared/all-tasks.ts');
  const { LocalWorkflowRunner } = await import('../local/workflow-runner.ts');
  const { JobRequestSchema, jobDbArn, newJob } = await import('../lambdas/core/job.ts');
  const dynamo = await startDynalite();
  try {
    const session = {
      server: { version: 'fake', flavor: 'postgres' as const, defaultDatabase: 'postgres' },
      listDatabases: async () => ['app'],
      ensureUser: async () => ({ created: false }),
      grantInDatabase: async () => ({ warnings: [] }),
      changeOwnPassword: async () => undefined,
      close: async () => undefined,
    };
    const provisioner = { family: 'postgres' as const, isAuthenticationError: () => false, connect: async () => session };
    const deps = await workflowDepsFor(dynamo.endpoint, { provisioners: { postgres: provisioner } });
    const id = randomUUID();
    const request = JobRequestSchema.parse({ connection_prefix_name: 'bench', target: { engine: 'postgres', host: 'db.internal', port: 5432, master_user: 'admin', name: 'bench' } });
    await deps.credentials.putOfferedMaster(id, 'master-pw');
    await deps.jobs.create({ job: newJob({ id, orgId: 'org', dbArn: jobDbArn(request), now: new Date() }), request });
    const outcome = await new LocalWorkflowRunner(localTaskHandlers(deps), { waitMs: 10, retryMs: 10 }).start(id).done;
    if (outcome.status !== 'SUCCEEDED') throw new Error(`the job did not succeed: ${outcome.error}`);
    console.log(outcome.states.join(' → '));
    return outcome.states.length;
  } finally {
    await dynamo.stop();
  }
}
