import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVISIONERS } from '../../lambdas/core/engines/index.ts';
import { jobDbArn, JobRequestSchema, newJob } from '../../lambdas/core/job.ts';
import { localTaskHandlers } from '../../lambdas/shared/all-tasks.ts';
import { startDynalite, type EmbeddedDynamo } from '../../local/embedded-dynamodb.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../local/embedded-postgres.ts';
import { LocalWorkflowRunner } from '../../local/workflow-runner.ts';
import { pgRun } from '../support/pg.ts';
import { workflowDepsFor } from '../support/workflow-deps.ts';

// 60 databases on a server that takes 20 connections: one connection kept per database would need 61.
const CLI = fileURLToPath(new URL('../../bin/dbroles-cli.mjs', import.meta.url));
const DATABASES = Array.from({ length: 60 }, (_, i) => `many_${i}`);
let server: EmbeddedServer;
let dynamo: EmbeddedDynamo;
const login = () => ({ host: '127.0.0.1', port: server.port, user: server.user, password: server.password });

beforeAll(async () => {
  [server, dynamo] = await Promise.all([startEmbeddedPostgres({ settings: { max_connections: '20', superuser_reserved_connections: '3' } }), startDynalite()]);
  for (const d of DATABASES) await pgRun({ ...login(), database: 'postgres' }, [`CREATE DATABASE ${d}`]);
}, 120_000);
afterAll(async () => {
  await Promise.all([server?.stop(), dynamo?.stop()]);
});

describe('bounded connections, however many databases (PostgreSQL with max_connections=20)', () => {
  it('provisions 60 databases with dbroles provision (one session) without running out of connections', async () => {
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [CLI, 'provision', '--engine', 'postgres', '--host', '127.0.0.1', '--port', String(server.port), '--user', server.user, '--concurrency', '8'],
        { env: { ...process.env, DBROLES_MASTER_PASSWORD: server.password }, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(run.code, run.stderr || run.stdout.slice(0, 2000)).toBe(0);
    const response = JSON.parse(run.stdout) as { result: Array<{ role_suffix_name: string; status: string; databases: unknown[] }> };
    expect(response.result.map((r) => [r.role_suffix_name, r.status, r.databases.length])).toEqual([
      ['ro', 'completed', 61],
      ['rw', 'completed', 61],
      ['ddl', 'completed', 61],
    ]);
  });

  it('provisions 60 databases through the state machine, three tier sessions at once, without running out of connections', async () => {
    const deps = await workflowDepsFor(dynamo.endpoint, { provisioners: PROVISIONERS });
    const id = randomUUID();
    const request = JobRequestSchema.parse({
      connection_prefix_name: 'many',
      target: { engine: 'postgres', host: '127.0.0.1', port: server.port, master_user: server.user, name: 'many' },
    });
    await deps.credentials.putOfferedMaster(id, server.password);
    await deps.jobs.create({ job: newJob({ id, orgId: 'org', dbArn: jobDbArn(request), now: new Date() }), request });
    const handlers = localTaskHandlers(deps);
    const outcome = await new LocalWorkflowRunner(handlers, { waitMs: 10, retryMs: 10 }).start(id).done;
    const { job } = await deps.jobs.get(id);
    expect(outcome.status, outcome.error).toBe('SUCCEEDED');
    expect(job.status, job.status.result.map((r) => r.message).join('\n')).toMatchObject({ phase: 'completed' });
    for (const r of job.status.result) expect(r.database_counts).toEqual({ total: 61, completed: 61, failed: 0 });
  });
});
