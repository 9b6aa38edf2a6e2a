import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import * as z from 'zod';
import { ROLE_TIERS, type RoleTier } from '../../lambdas/core/engines/types.ts';
import { UsageError } from '../../lambdas/core/errors.ts';
import { DEFAULT_DATABASE_CONCURRENCY, DEFAULT_USER_PREFIX } from '../../lambdas/core/provision.ts';
import { VERIFIERS } from '../../lambdas/core/verifiers.ts';
import { verifyServer, type Finding, type VerifiedUser, type VerifyReport } from '../../lambdas/core/verify.ts';
import { painter, type CliIo } from './io.ts';
import { ConnectionOptionsSchema, parseOptions, targetFrom, UserSetOptionFields, withConnectionOptions } from './target-options.ts';

const OptionsSchema = ConnectionOptionsSchema.extend({
  ...UserSetOptionFields,
  login: z.boolean().default(false),
  credentials: z.string().min(1).optional(),
  json: z.boolean().default(false),
  strict: z.boolean().default(false),
  concurrency: z.coerce.number().int().min(1).max(64),
});

/** The file `provision --output` writes: each role's user and password. */
const CredentialsFileSchema = z.object({
  result: z.array(z.object({ role_suffix_name: z.enum(ROLE_TIERS), db_credentials: z.object({ user: z.string(), password: z.string() }).nullable() })),
});

async function passwordsFrom(file: string): Promise<Map<string, string>> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new UsageError(`--credentials: cannot read ${file}`);
  });
  let parsed: z.infer<typeof CredentialsFileSchema>;
  try {
    parsed = CredentialsFileSchema.parse(JSON.parse(text));
  } catch {
    throw new UsageError(`--credentials: ${file} is not the JSON \`dbroles provision --output\` writes`);
  }
  return new Map(parsed.result.flatMap((r) => (r.db_credentials?.password ? [[r.db_credentials.user, r.db_credentials.password] as const] : [])));
}

const LABEL: Record<Finding['kind'], string> = { missing: 'MISSING', 'login-failed': 'LOGIN FAILED', extra: 'extra' };

/** For a person: the findings per database, the database with the most severe finding first; then the counts. */
export function formatVerifyReport(report: VerifyReport, io: CliIo): string {
  const paint = painter(io);
  const lines: string[] = [];
  const sections = new Map<string, Finding[]>();
  for (const f of report.findings) {
    const key = f.database === null ? 'server (users)' : `database ${f.database}`;
    sections.set(key, [...(sections.get(key) ?? []), f]);
  }
  for (const [title, findings] of sections) {
    lines.push(paint('bold', title));
    const width = Math.max(...findings.map((f) => f.user.length));
    for (const f of findings) {
      const label = LABEL[f.kind].padEnd(12);
      lines.push(`  ${paint(f.kind === 'extra' ? 'yellow' : 'red', label)} ${f.user.padEnd(width)}  ${f.object}  ${f.privilege}`);
    }
  }
  const { missing, login_failed, extra } = report.summary;
  const scope = `${report.users.length} user(s) in ${report.databases.length} database(s)`;
  lines.push(
    report.status === 'clean'
      ? paint('green', `verify: clean: ${scope} hold exactly their tier`)
      : `verify: ${missing} missing, ${login_failed} login failed, ${extra} extra (warnings): ${scope}`,
  );
  return `${lines.join('\n')}\n`;
}

/** `dbroles verify`: reads, as the master, what each user holds, and reports drift from its tier. */
export function verifyCommand(io: CliIo, setExitCode: (code: number) => void): Command {
  return withConnectionOptions(new Command('verify'))
    .description('Check, as the master, that hoop_ro, hoop_rw and hoop_ddl hold exactly their tier in every database (reads only).')
    .option('--databases <list>', 'only these databases, comma-separated (default: every application database)')
    .option('--roles <list>', 'tiers to check, comma-separated', ROLE_TIERS.join(','))
    .option('--prefix <prefix>', 'user name prefix: users are <prefix>_ro, <prefix>_rw, <prefix>_ddl', DEFAULT_USER_PREFIX)
    .option('--login', 'also log in as each user (needs --credentials) and try one allowed and one refused action per database, rolled back')
    .option('--credentials <file>', 'the JSON `dbroles provision --output` wrote: the users\' passwords, for --login')
    .option('--json', 'print the report as JSON')
    .option('--strict', 'exit 1 on extra privileges too')
    .option('--concurrency <n>', 'databases checked at once', String(DEFAULT_DATABASE_CONCURRENCY))
    .addHelpText(
      'after',
      '\nExit codes: 0 nothing missing (extra privileges are warnings, unless --strict), 1 a privilege missing or a login failed, 2 usage error.\n' +
        'Example:\n  DBROLES_MASTER_PASSWORD=... dbroles verify --engine postgres --host db.example.com --user postgres --login --credentials creds.json',
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(OptionsSchema, raw);
      if (options.login && !options.credentials) throw new UsageError('--login: needs --credentials FILE (the file `dbroles provision --output` wrote)');
      if (options.credentials && !options.login) throw new UsageError('--credentials: only with --login');
      const target = await targetFrom(options);
      const passwords = options.credentials ? await passwordsFrom(options.credentials) : new Map<string, string>();
      const users: VerifiedUser[] = options.roles.map((tier: RoleTier) => {
        const name = `${options.prefix}_${tier}`;
        return { tier, name, password: passwords.get(name) };
      });
      if (options.login) {
        const without = users.filter((u) => !u.password).map((u) => u.name);
        if (without.length > 0) throw new UsageError(`--credentials: no password for ${without.join(', ')} in ${options.credentials}`);
      }
      const report = await verifyServer(
        {
          engine: options.engine,
          target,
          users,
          databases: options.databases?.split(',').map((d) => d.trim()).filter(Boolean),
          login: options.login,
          concurrency: options.concurrency,
        },
        VERIFIERS,
      );
      io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatVerifyReport(report, io));
      setExitCode(report.status === 'drift' || (options.strict && report.status === 'warnings') ? 1 : 0);
    });
}
