import { spawn } from 'node:child_process';
import { Command } from 'commander';
import type { ConnectionCredentials, IamConnectionCredentials } from '../../lambdas/api/connections.ts';
import { DbrolesError, UsageError } from '../../lambdas/core/errors.ts';
import type { Connection } from '../../lambdas/core/store/connection-store.ts';
import { DbrolesClient, type ClientOptions } from './client.ts';
import type { CliIo } from './io.ts';
import { signIamToken } from './iam-token.ts';
import { withClient } from './jobs.ts';

const path = (name: string) => `/api/connections/${encodeURIComponent(name)}`;

/** Where each engine's client takes its password from the environment, so it is never on a command line. */
export function clientInvocation(
  subtype: Connection['subtype'],
  c: Pick<ConnectionCredentials, 'host' | 'port' | 'user' | 'password' | 'database'>,
  iam = false,
): { command: string; args: string[]; env: Record<string, string>; install: string } {
  if (subtype === 'postgres') {
    return {
      command: 'psql',
      args: [],
      // An IAM token travels in clear text inside the protocol: TLS is required.
      env: { PGHOST: c.host, PGPORT: String(c.port), PGUSER: c.user, PGPASSWORD: c.password, PGDATABASE: c.database || 'postgres', ...(iam ? { PGSSLMODE: 'require' } : {}) },
      install: 'install the PostgreSQL client (Debian/Ubuntu: apt-get install postgresql-client; macOS: brew install libpq)',
    };
  }
  if (subtype === 'mysql') {
    return {
      command: 'mysql',
      args: ['-h', c.host, '-P', String(c.port), '-u', c.user, ...(iam ? ['--enable-cleartext-plugin', '--ssl-mode=REQUIRED'] : []), ...(c.database ? [c.database] : [])],
      env: { MYSQL_PWD: c.password },
      install: 'install the MySQL or MariaDB client (Debian/Ubuntu: apt-get install mariadb-client; macOS: brew install mysql-client)',
    };
  }
  return {
    command: 'sqlcmd',
    args: ['-S', `${c.host},${c.port}`, '-U', c.user, ...(c.database ? ['-d', c.database] : [])],
    env: { SQLCMDPASSWORD: c.password },
    install: 'install sqlcmd (https://learn.microsoft.com/sql/tools/sqlcmd/sqlcmd-utility)',
  };
}

/** `dbroles connections list|get` and `dbroles connect` against a running server. */
export function connectionsCommands(io: CliIo, setExitCode: (code: number) => void): Command[] {
  const out = (json: boolean, value: unknown, human: string) => io.stdout(json ? `${JSON.stringify(value, null, 2)}\n` : human);
  const connections = new Command('connections').description('List the resource roles and read their credentials back.');

  connections.addCommand(
    withClient(new Command('list'))
      .description('List resource roles: name, engine, user, where the password is kept.')
      .action(async (raw: Record<string, unknown>) => {
        const client = await DbrolesClient.resolve(raw as ClientOptions);
        const { items } = await client.request<{ items: Connection[] }>('GET', '/api/connections');
        const rows = items.map((c) => {
          const pass = c.env.PASS;
          const store = pass && 'secret_ref' in pass ? pass.secret_ref.provider : 'none';
          const user = c.env.USER && 'value' in c.env.USER ? c.env.USER.value : `hoop_${c.role_suffix_name}`;
          return `${c.name.padEnd(28)} ${c.subtype.padEnd(8)} ${user.padEnd(9)} ${store.padEnd(20)} ${c.db_arn}`;
        });
        out(Boolean(raw.json), items, `${rows.length ? rows.join('\n') : 'no connections'}\n`);
      }),
  );

  connections.addCommand(
    withClient(new Command('get'))
      .description("Show a resource role's credentials, read from the store that holds them (the read is logged on the server).")
      .argument('<name>', 'connection name, e.g. orders-ro')
      .option('--show-password', 'print the password (hidden otherwise, also with --json)')
      .option('--iam-token', 'for an IAM-authenticated user: sign and print a 15-minute login token with your own AWS credentials (--token is the API bearer token)')
      .action(async (name: string, raw: Record<string, unknown>) => {
        const client = await DbrolesClient.resolve(raw as ClientOptions);
        const answer = await client.request<ConnectionCredentials | IamConnectionCredentials>('GET', `${path(name)}/credentials`);
        if ('auth' in answer) {
          const token = raw.iamToken ? await signIamToken(answer) : undefined;
          const iam = [`connection ${answer.name}`, `  host:     ${answer.host}:${answer.port}`, `  user:     ${answer.user}`, `  database: ${answer.database || '(none)'}`, `  auth:     IAM, no password (TLS required)`, `  resource: ${answer.resource_arn}`];
          if (token) iam.push(`  token:    ${token}`);
          else iam.push(`  token:    add --iam-token to sign one with your AWS credentials (valid 15 minutes)`);
          return out(Boolean(raw.json), token ? { ...answer, token } : answer, `${iam.join('\n')}\n`);
        }
        const credentials = answer;
        const shown = raw.showPassword ? credentials : { ...credentials, password: '(hidden: add --show-password)' };
        const human = [
          `connection ${shown.name}`,
          `  host:     ${shown.host}:${shown.port}`,
          `  user:     ${shown.user}`,
          `  database: ${shown.database || '(none)'}`,
          `  password: ${shown.password}`,
          `  stored:   ${shown.provider} ${shown.secret_id}`,
        ].join('\n');
        out(Boolean(raw.json), shown, `${human}\n`);
      }),
  );

  const connect = withClient(new Command('connect'), { json: false })
    .description("Open the engine's own client (psql, mysql, sqlcmd) as a resource role; the password goes through its environment, never its command line.")
    .argument('<name>', 'connection name, e.g. orders-ro')
    .argument('[args...]', 'more arguments for the client, after --')
    .action(async (name: string, args: string[], raw: Record<string, unknown>) => {
      const client = await DbrolesClient.resolve(raw as ClientOptions);
      const connection = await client.request<Connection>('GET', path(name));
      const credentials = await client.request<ConnectionCredentials | IamConnectionCredentials>('GET', `${path(name)}/credentials`);
      // An IAM user: a token signed here, with the caller's own AWS credentials, stands for the password.
      const run =
        'auth' in credentials
          ? clientInvocation(connection.subtype, { ...credentials, password: await signIamToken(credentials) }, true)
          : clientInvocation(connection.subtype, credentials);
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(run.command, [...run.args, ...args], { stdio: 'inherit', env: { ...process.env, ...run.env } });
        child.on('error', (error: NodeJS.ErrnoException) =>
          reject(error.code === 'ENOENT' ? new UsageError(`${run.command} is not installed (or not on PATH): ${run.install}`) : new DbrolesError(`run ${run.command}: ${error.message}`)),
        );
        child.on('exit', (status, signal) => resolve(status ?? (signal ? 1 : 0)));
      });
      setExitCode(code);
    });
  return [connections, connect];
}
