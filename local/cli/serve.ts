import { Command } from 'commander';
import * as z from 'zod';
import { UsageError } from '../../lambdas/core/errors.ts';
import { DEFAULT_DATA_DIR, DEFAULT_PORT } from '../defaults.ts';
import type { CliIo } from './io.ts';

/** `dbroles serve` (= `npm start`): the API and the workflow in this process, until SIGINT/SIGTERM. */
export function serveCommand(io: CliIo): Command {
  return new Command('serve')
    .description('Serve the dbroles API on 127.0.0.1 and run jobs locally (state in the data dir).')
    .option('--port <port>', 'port (default: PORT, else 8009)')
    .option('--data-dir <dir>', 'state, key and token (default: DBROLES_DATA_DIR, else ./.dbroles)')
    .action(async (raw: { port?: string; dataDir?: string }) => {
      const port = z.coerce.number().int().min(0).max(65535).safeParse(raw.port ?? process.env.PORT ?? DEFAULT_PORT);
      if (!port.success) throw new UsageError(`--port: must be a port number, got "${raw.port ?? process.env.PORT}"`);
      const dataDir = raw.dataDir ?? process.env.DBROLES_DATA_DIR ?? DEFAULT_DATA_DIR;
      // Loaded here: the runtime pulls in aws-cdk-lib (to render the state machine), which other commands do not need.
      const { startLocalRuntime } = await import('../runtime.ts');
      const runtime = await startLocalRuntime({ dataDir, port: port.data });
      io.stderr(`dbroles listening on ${runtime.url} (data: ${dataDir})\n`);
      io.stderr(`web console: open ${runtime.url}/ and enter the bearer token (in ${dataDir}/token)\n`);
      if (runtime.tokenGenerated) io.stderr(`bearer token (shown once, also in ${dataDir}/token): ${runtime.token}\n`);
      if (runtime.interruptedJobs.length > 0) io.stderr(`marked ${runtime.interruptedJobs.length} interrupted job(s) as failed\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      io.stderr('stopping: waiting for running jobs to finish...\n');
      await runtime.stop({ wait: true });
    });
}
