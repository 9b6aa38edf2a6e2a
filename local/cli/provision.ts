import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import * as z from 'zod';
import { DEFAULT_PORTS, engineFamily } from '../../lambdas/core/engines/index.ts';
import { ENGINE_FAMILIES, ROLE_TIERS, type ConnectionTarget, type EngineName } from '../../lambdas/core/engines/types.ts';
import { UsageError } from '../../lambdas/core/errors.ts';
import { DEFAULT_DATABASE_CONCURRENCY, DEFAULT_USER_PREFIX, type ProgressEvent } from '../../lambdas/core/provision.ts';
import { provisionAnyEngine } from '../../lambdas/core/provision-any-engine.ts';
import { toProvisionerResponse, withoutPasswords } from '../../lambdas/core/hook/runbook-inputs.ts';
import { PLAN_ONLY_MESSAGE } from '../../lambdas/core/job.ts';
import { summarizePlan } from '../../lambdas/core/plan.ts';
import { formatPlan } from './plan-output.ts';
import { SecretFile } from './secret-file.ts';
import type { CliIo } from './io.ts';

const OptionsSchema = z.object({
  engine: z.string().transform((engine, ctx) => {
    try {
      engineFamily(engine);
      return engine as EngineName;
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }),
  host: z.string().min(1, 'must not be empty'),
  port: z.coerce.number().int().min(1).max(65535).optional(),
  user: z.string().min(1, 'must not be empty'),
  passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'),
  database: z.string().min(1).optional(),
  databases: z.string().optional(),
  roles: z
    .string()
    .transform((s) => [...new Set(s.split(',').map((r) => r.trim()).filter(Boolean))])
    .pipe(z.array(z.enum(ROLE_TIERS)).min(1, 'name at least one of ro, rw, ddl')),
  prefix: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,24}$/, 'must start with a letter: letters, digits and _ only, at most 25 characters'),
  output: z.string().min(1).optional(),
  concurrency: z.coerce.number().int().min(1).max(64),
  hardenPublicSchema: z.boolean().default(false),
  tls: z.boolean().optional(),
  tlsCa: z.string().optional(),
  connectTimeout: z.coerce.number().int().min(1).max(600),
  plan: z.boolean().default(false),
  json: z.boolean().default(false),
});

function parseOptions(raw: unknown): z.infer<typeof OptionsSchema> {
  const parsed = OptionsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = issue ? `--${String(issue.path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : 'options';
    throw new UsageError(`${flag}: ${issue?.message ?? 'invalid value'}`);
  }
  return parsed.data;
}

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
  return new Command('provision')
    .description('Create or update hoop_ro, hoop_rw and hoop_ddl in every database of one server, and print their credentials as JSON.')
    .addOption(new Option('--engine <engine>', 'database engine').choices(Object.keys(ENGINE_FAMILIES)).makeOptionMandatory())
    .requiredOption('--host <host>', 'server host name or address')
    .option('--port <port>', 'server port (default: 5432, 3306 or 1433 by engine)')
    .requiredOption('--user <user>', 'master (admin) user name')
    .option('--password-env <var>', 'environment variable that holds the master password', 'DBROLES_MASTER_PASSWORD')
    .option('--database <name>', 'database to connect to first, and the default database in the credentials')
    .option('--databases <list>', 'only these databases, comma-separated (default: every application database)')
    .option('--roles <list>', 'tiers to provision, comma-separated', ROLE_TIERS.join(','))
    .option('--prefix <prefix>', 'user name prefix: users are <prefix>_ro, <prefix>_rw, <prefix>_ddl', DEFAULT_USER_PREFIX)
    .option('--output <file>', 'write the full result (with passwords) to FILE, mode 0600, and print it without passwords')
    .option('--concurrency <n>', 'databases provisioned at once, per role', String(DEFAULT_DATABASE_CONCURRENCY))
    .option('--harden-public-schema', 'PostgreSQL: REVOKE CREATE ON SCHEMA public FROM PUBLIC in every database (changes it for every user)')
    .option('--tls', 'connect with TLS and verify the server certificate')
    .option('--tls-ca <file>', 'CA bundle (PEM) to verify the server certificate with; implies --tls')
    .option('--connect-timeout <seconds>', 'seconds to wait for a connection', '10')
    .option('--plan', 'dry run: read the catalogs as the master and print every statement it would send (passwords REDACTED, grants already held marked as no-ops); change nothing')
    .option('--json', 'with --plan: print the plan as JSON')
    .addHelpText(
      'after',
      '\nExit codes: 0 every role completed (or planned), 1 a role failed, 2 usage error.\n' +
        'Examples:\n  DBROLES_MASTER_PASSWORD=... dbroles provision --engine postgres --host db.example.com --user postgres --output creds.json\n' +
        '  DBROLES_MASTER_PASSWORD=... dbroles provision --engine postgres --host db.example.com --user postgres --plan',
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(raw);
      if (options.plan && options.output) throw new UsageError('--output: a plan sets no password, so there are no credentials to write; drop --output or --plan');
      if (options.json && !options.plan) throw new UsageError('--json: only with --plan (provision always prints JSON)');
      const password = process.env[options.passwordEnv];
      if (!password) throw new UsageError(`environment variable ${options.passwordEnv} is empty: set it to the master password (see --password-env)`);
      const tlsCa = options.tlsCa ? await readFile(options.tlsCa, 'utf8').catch(() => {
        throw new UsageError(`--tls-ca: cannot read ${options.tlsCa}`);
      }) : undefined;
      const target: ConnectionTarget = {
        host: options.host,
        port: options.port ?? DEFAULT_PORTS[engineFamily(options.engine)],
        user: options.user,
        password,
        database: options.database,
        tls: options.tls || tlsCa ? { ca: tlsCa } : undefined,
        connectTimeoutSeconds: options.connectTimeout,
      };
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
