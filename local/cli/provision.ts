import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import * as z from 'zod';
import { ROLE_TIERS } from '../../lambdas/core/engines/types.ts';
import { UsageError } from '../../lambdas/core/errors.ts';
import { DEFAULT_DATABASE_CONCURRENCY, DEFAULT_USER_PREFIX, type ProgressEvent } from '../../lambdas/core/provision.ts';
import { provisionAnyEngine } from '../../lambdas/core/provision-any-engine.ts';
import { toProvisionerResponse, withoutPasswords } from '../../lambdas/core/hook/runbook-inputs.ts';
import { PLAN_ONLY_MESSAGE } from '../../lambdas/core/job.ts';
import { summarizePlan } from '../../lambdas/core/plan.ts';
import { formatPlan } from './plan-output.ts';
import { SecretFile } from './secret-file.ts';
import { ConnectionOptionsSchema, parseOptions, targetFrom, UserSetOptionFields, withConnectionOptions } from './target-options.ts';
import type { CliIo } from './io.ts';

const OptionsSchema = ConnectionOptionsSchema.extend({
  ...UserSetOptionFields,
  output: z.string().min(1).optional(),
  concurrency: z.coerce.number().int().min(1).max(64),
  hardenPublicSchema: z.boolean().default(false),
  plan: z.boolean().default(false),
  json: z.boolean().default(false),
});

function progressPrinter(io: CliIo): ((event: ProgressEvent) => void) | undefined {
  if (!io.stderrIsTTY) return undefined;
  return (event) => {
    if (event.kind === 'role-started') io.stderr(`[${event.tier}] ${event.user}: ${event.databases} database(s)\n`);
    if (event.kind === 'database-done') io.stderr(`[${event.tier}] ${event.ok ? 'ok    ' : 'FAILED'} ${event.database} (${event.done}/${event.total})\n`);
    if (event.kind === 'role-done') io.stderr(`[${event.tier}] ${event.ok ? 'completed' : 'failed'}\n`);
  };
}

/** `dbroles provision`: provisions the users on a database server given directly. */
export function provisionCommand(io: CliIo, setExitCode: (code: number) => void): Command {
  return withConnectionOptions(new Command('provision'))
    .description('Create or update hoop_ro, hoop_rw and hoop_ddl in every database of one server, and print their credentials as JSON.')
    .option('--databases <list>', 'only these databases, comma-separated (default: every application database)')
    .option('--roles <list>', 'tiers to provision, comma-separated', ROLE_TIERS.join(','))
    .option('--prefix <prefix>', 'user name prefix: users are <prefix>_ro, <prefix>_rw, <prefix>_ddl', DEFAULT_USER_PREFIX)
    .option('--output <file>', 'write the full result (with passwords) to FILE, mode 0600, and print it without passwords')
    .option('--concurrency <n>', 'databases provisioned at once, per role', String(DEFAULT_DATABASE_CONCURRENCY))
    .option('--harden-public-schema', 'PostgreSQL: REVOKE CREATE ON SCHEMA public FROM PUBLIC in every database (changes it for every user)')
    .option('--plan', 'dry run: read the catalogs as the master and print every statement it would send (passwords REDACTED, grants already held marked as no-ops); change nothing')
    .option('--json', 'with --plan: print the plan as JSON')
    .addHelpText(
      'after',
      '\nExit codes: 0 every role completed (or planned), 1 a role failed, 2 usage error.\n' +
        'Examples:\n  DBROLES_MASTER_PASSWORD=... dbroles provision --engine postgres --host db.example.com --user postgres --output creds.json\n' +
        '  DBROLES_MASTER_PASSWORD=... dbroles provision --engine postgres --host db.example.com --user postgres --plan',
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(OptionsSchema, raw);
      if (options.plan && options.output) throw new UsageError('--output: a plan sets no password, so there are no credentials to write; drop --output or --plan');
      if (options.json && !options.plan) throw new UsageError('--json: only with --plan (provision always prints JSON)');
      const target = await targetFrom(options);
      // Open the output file before touching the server: a password must never be set and then lost.
      const secretFile = options.output ? await SecretFile.prepare(options.output) : undefined;
      const report = await provisionAnyEngine(
        {
          engine: options.engine,
          target,
          tiers: options.roles,
          userPrefix: options.prefix,
          databases: options.databases?.split(',').map((d) => d.trim()).filter(Boolean),
          concurrency: options.concurrency,
          hardenPublicSchema: options.hardenPublicSchema,
          dryRun: options.plan,
        },
        { onProgress: progressPrinter(io) },
      );
      if (options.plan) {
        const failures = report.roles.filter((r) => r.status === 'failed').map((r) => `${r.user}: ${r.message}`);
        if (options.json) {
          io.stdout(`${JSON.stringify({ status: report.status, message: report.status === 'completed' ? PLAN_ONLY_MESSAGE : report.message, summary: summarizePlan(report.plan ?? []), failures, plan: report.plan ?? [] }, null, 2)}\n`);
        } else {
          io.stdout(formatPlan(report.plan ?? [], io));
          for (const failure of failures) io.stderr(`dbroles: ${failure}\n`);
        }
        setExitCode(report.status === 'completed' ? 0 : 1);
        return;
      }
      const response = toProvisionerResponse(randomUUID(), target, report);
      let printed = response;
      if (secretFile) {
        try {
          await secretFile.commit(`${JSON.stringify(response, null, 2)}\n`);
          printed = withoutPasswords(response);
        } catch (error) {
          io.stderr(`dbroles: could not write ${options.output} (${(error as Error).message}); printing the credentials to stdout instead\n`);
        }
      }
      io.stdout(`${JSON.stringify(printed, null, 2)}\n`);
      setExitCode(response.status === 'completed' ? 0 : 1);
    });
}
