import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import * as z from 'zod';
import { DEFAULT_PORTS, engineFamily } from '../../lambdas/core/engines/index.ts';
import { ENGINE_FAMILIES, ROLE_TIERS, type ConnectionTarget, type EngineName } from '../../lambdas/core/engines/types.ts';
import { UsageError } from '../../lambdas/core/errors.ts';

/** The flags that say which server to reach and as which master: `provision` and `verify` share them. */
export const ConnectionOptionsSchema = z.object({
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
  tls: z.boolean().optional(),
  tlsCa: z.string().optional(),
  connectTimeout: z.coerce.number().int().min(1).max(600),
});
export type ConnectionOptions = z.infer<typeof ConnectionOptionsSchema>;

/** Which users, in which databases: `--databases`, `--roles`, `--prefix` (provision and verify). */
export const UserSetOptionFields = {
  databases: z.string().optional(),
  roles: z
    .string()
    .transform((s) => [...new Set(s.split(',').map((r) => r.trim()).filter(Boolean))])
    .pipe(z.array(z.enum(ROLE_TIERS)).min(1, 'name at least one of ro, rw, ddl')),
  prefix: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,24}$/, 'must start with a letter: letters, digits and _ only, at most 25 characters'),
};

export function withConnectionOptions(command: Command): Command {
  return command
    .addOption(new Option('--engine <engine>', 'database engine').choices(Object.keys(ENGINE_FAMILIES)).makeOptionMandatory())
    .requiredOption('--host <host>', 'server host name or address')
    .option('--port <port>', 'server port (default: 5432, 3306 or 1433 by engine)')
    .requiredOption('--user <user>', 'master (admin) user name')
    .option('--password-env <var>', 'environment variable that holds the master password', 'DBROLES_MASTER_PASSWORD')
    .option('--database <name>', 'database to connect to first, and the default database in the credentials')
    .option('--tls', 'connect with TLS and verify the server certificate')
    .option('--tls-ca <file>', 'CA bundle (PEM) to verify the server certificate with; implies --tls')
    .option('--connect-timeout <seconds>', 'seconds to wait for a connection', '10');
}

/** Checks a command's options; the first problem is a UsageError naming its flag. */
export function parseOptions<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = issue ? `--${String(issue.path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : 'options';
    throw new UsageError(`${flag}: ${issue?.message ?? 'invalid value'}`);
  }
  return parsed.data;
}

/** The master's connection: the password from the named environment variable, the CA file read. */
export async function targetFrom(options: ConnectionOptions): Promise<ConnectionTarget> {
  const password = process.env[options.passwordEnv];
  if (!password) throw new UsageError(`environment variable ${options.passwordEnv} is empty: set it to the master password (see --password-env)`);
  const tlsCa = options.tlsCa
    ? await readFile(options.tlsCa, 'utf8').catch(() => {
        throw new UsageError(`--tls-ca: cannot read ${options.tlsCa}`);
      })
    : undefined;
  return {
    host: options.host,
    port: options.port ?? DEFAULT_PORTS[engineFamily(options.engine)],
    user: options.user,
    password,
    database: options.database,
    tls: options.tls || tlsCa ? { ca: tlsCa } : undefined,
    connectTimeoutSeconds: options.connectTimeout,
  };
}
