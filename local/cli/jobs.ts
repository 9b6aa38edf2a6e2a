import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { UsageError } from '../../lambdas/core/errors.ts';
import { ENGINE_FAMILIES } from '../../lambdas/core/engines/types.ts';
import { DEFAULT_PORTS, engineFamily } from '../../lambdas/core/engines/index.ts';
import type { Job, PlanItem } from '../../lambdas/core/job.ts';
import { DbrolesClient, type ClientOptions } from './client.ts';
import type { CliIo } from './io.ts';

/** The options every command that talks to a running server takes. */
export const withClient = (command: Command, options: { json?: boolean } = {}) => {
  command
    .option('--url <url>', 'dbroles server URL (default: DBROLES_URL, else http://127.0.0.1:8009)')
    .option('--token <token>', 'bearer token (default: DBROLES_TOKEN, else <data dir>/token)')
    .option('--data-dir <dir>', 'data dir holding the token (default: DBROLES_DATA_DIR, else ./.dbroles)');
  return options.json === false ? command : command.option('--json', 'print JSON for scripts');
};

const TERMINAL = new Set(['completed', 'failed']);

/** A job's plan for a person: each item to be done marked `+`, each already so marked `=`, by step. */
function formatPlanItems(items: ReadonlyArray<PlanItem>): string {
  if (items.length === 0) return 'no plan items\n';
  const lines = items.map((i) => `${i.already_held ? '=' : '+'} ${i.kind.padEnd(10)} ${i.database ? `${i.database}: ` : ''}${i.user ? `${i.user}: ` : ''}${i.action}${i.already_held ? '   (already so)' : ''}`);
  const changes = items.filter((i) => !i.already_held).length;
  lines.push(`plan: ${changes} change(s), ${items.length - changes} no-op(s); nothing was changed`);
  return `${lines.join('\n')}\n`;
}

function summary(job: Job): string {
  const lines = [
    `job ${job.id}: ${job.status.phase}${job.status.message ? ` — ${job.status.message}` : ''}`,
    `  database: ${job.spec.db_arn}${job.spec.db_engine ? ` (${job.spec.db_engine})` : ''}`,
    `  created:  ${job.created_at}${job.completed_at ? `, finished ${job.completed_at}` : ''}`,
  ];
  if (job.master_source) lines.push(`  master:   ${job.master_source}`);
  if (job.verify) lines.push(`  verify:   ${job.verify.status}: ${job.verify.summary.missing} missing, ${job.verify.summary.login_failed} login failed, ${job.verify.summary.extra} extra`);
  if (job.plan) lines.push(`  plan:     ${job.plan.changes} change(s), ${job.plan.no_ops} no-op(s) (dbroles jobs get ${job.id} --plan)`);
  for (const r of job.status.result) {
    const { total, completed } = r.database_counts;
    lines.push(`  ${r.status === 'completed' ? '✓' : '✗'} ${r.user_role.padEnd(9)} ${r.status}${total ? ` in ${completed}/${total} databases` : ''}${r.message ? ` — ${r.message}` : ''}`);
  }
  if (job.webhook) lines.push(`  webhook: ${job.webhook.sent ? 'sent' : 'not sent'} — ${job.webhook.message}`);
  return `${lines.join('\n')}\n`;
}

/** After the phase is final, how long to wait for the hook and the webhook (Notify, the last step) at most. */
const TRAILING_STEPS_GRACE_MS = 120_000;

/**
 * Follows a job until it ends, printing each step as it changes: until its phase is final and its
 * last step, Notify (after the runbook hook), has run. Returns the final job.
 */
export async function followJob(client: DbrolesClient, id: string, io: CliIo, options: { json: boolean; timeoutSeconds: number; intervalMs?: number }): Promise<Job> {
  const seen = new Map<string, string>();
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  let endedAt: number | undefined;
  for (;;) {
    const job = await client.getJob(id);
    if (!options.json) {
      for (const [step, progress] of Object.entries(job.steps)) {
        const line = `${progress.status}${progress.message ? ` — ${progress.message}` : ''}`;
        if (seen.get(step) !== line) {
          seen.set(step, line);
          io.stderr(`  ${new Date().toISOString().slice(11, 19)} ${step.padEnd(20)} ${line}\n`);
        }
      }
    }
    if (TERMINAL.has(job.status.phase)) {
      endedAt ??= Date.now();
      if (job.steps.Notify !== undefined || Date.now() - endedAt > TRAILING_STEPS_GRACE_MS) return job;
    }
    if (Date.now() > deadline) throw new UsageError(`job ${id} is still ${job.status.phase} after ${options.timeoutSeconds} s (see --timeout)`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 1000));
  }
}

async function requestFromFlags(raw: Record<string, unknown>): Promise<unknown> {
  if (raw.file) {
    const text = await readFile(String(raw.file), 'utf8').catch(() => {
      throw new UsageError(`--file: cannot read ${String(raw.file)}`);
    });
    try {
      return JSON.parse(text);
    } catch {
      throw new UsageError(`--file: ${String(raw.file)} is not valid JSON`);
    }
  }
  const steps = String(raw.steps ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const base = {
    connection_prefix_name: raw.prefix,
    job_steps: steps,
    agent_id: raw.agentId,
    rotate_passwords: Boolean(raw.rotatePasswords),
    harden_public_schema: Boolean(raw.hardenPublicSchema),
    dry_run: Boolean(raw.dryRun),
    verify_only: Boolean(raw.verifyOnly),
    ...(raw.vaultSecretId ? { vault_provider: { secret_id: raw.vaultSecretId } } : {}),
    ...(raw.secretsManager ? { aws_secrets_manager: { name_prefix: typeof raw.secretsManager === 'string' ? raw.secretsManager : undefined, kms_key_id: raw.kmsKeyId } } : {}),
  };
  if (raw.awsArn) {
    return { ...base, aws: { instance_arn: raw.awsArn, ...(raw.ingressCidr ? { default_security_group: { ingress_cidr: raw.ingressCidr } } : {}) } };
  }
  if (!raw.engine || !raw.host || !raw.user) throw new UsageError('give --aws-arn, or --engine, --host and --user for a database given directly (or --file)');
  const passwordEnv = String(raw.passwordEnv);
  const password = process.env[passwordEnv];
  if (!password) throw new UsageError(`environment variable ${passwordEnv} is empty: set it to the master password (see --password-env)`);
  const engine = String(raw.engine);
  return {
    ...base,
    target: {
      engine,
      host: raw.host,
      port: raw.port ? Number(raw.port) : DEFAULT_PORTS[engineFamily(engine)],
      master_user: raw.user,
      master_password: password,
      database: raw.database,
      databases: raw.databases ? String(raw.databases).split(',').map((d) => d.trim()).filter(Boolean) : undefined,
      name: raw.name ?? String(raw.host),
      reset_master_password: Boolean(raw.resetMasterPassword),
    },
  };
}

/** `dbroles jobs create|list|get|wait` against a running server. */
export function jobsCommand(io: CliIo, setExitCode: (code: number) => void): Command {
  const jobs = new Command('jobs').description('Create, list, inspect and follow provisioning jobs on a running dbroles server.');
  const out = (json: boolean, value: unknown, human: string) => io.stdout(json ? `${JSON.stringify(value, null, 2)}\n` : human);

  jobs.addCommand(
    withClient(new Command('create'))
      .description('Create a job for an RDS instance (--aws-arn) or a database given directly (--engine --host --user).')
      .option('--file <file>', 'the job request as JSON (see GET /api/openapi.json)')
      .option('--aws-arn <arn>', 'RDS instance ARN')
      .option('--ingress-cidr <cidr>', 'open the database to this CIDR with the hoop-aws-connect security group')
      .addOption(new Option('--engine <engine>', 'engine of a database given directly').choices(Object.keys(ENGINE_FAMILIES)))
      .option('--host <host>', 'host of a database given directly')
      .option('--port <port>', 'port (default by engine)')
      .option('--user <user>', 'master user')
      .option('--password-env <var>', 'environment variable holding the master password', 'DBROLES_MASTER_PASSWORD')
      .option('--database <name>', 'database to connect to first')
      .option('--databases <list>', 'only these databases, comma-separated (default: every application database)')
      .option('--name <name>', 'a name for the database (default: the host)')
      .option('--reset-master-password', 'reset the master password through the database')
      .option('--prefix <prefix>', 'connection name prefix: resource roles are <prefix>-ro|rw|ddl', 'dbroles')
      .option('--steps <list>', 'job steps: create-connections,send-webhook,verify', 'create-connections')
      .option('--agent-id <id>', 'agent id written into the resource roles')
      .option('--vault-secret-id <id>', "keep the users' credentials in Vault KV v2 at <id><user>_<host> (needs VAULT_ADDR on the server)")
      .option('--secrets-manager [name-prefix]', "keep the users' credentials in AWS Secrets Manager, named <name-prefix><prefix>-<tier> (default prefix dbroles/)")
      .option('--kms-key-id <key>', 'with --secrets-manager, the KMS key for new secrets')
      .option('--rotate-passwords', 'set new passwords even where the stored ones still log in')
      .option('--harden-public-schema', 'PostgreSQL: REVOKE CREATE ON SCHEMA public FROM PUBLIC in every database (changes it for every user)')
      .option('--dry-run', 'a plan only: read everything, change nothing, and record what a run would do (see jobs get --plan)')
      .option('--verify-only', 'change nothing: only read back what each user holds, and report drift (add verify to --steps to verify after provisioning)')
      .option('--wait', 'follow the job until it ends')
      .option('--timeout <seconds>', 'with --wait, give up after this long', '900')
      .action(async (raw: Record<string, unknown>) => {
        const client = await DbrolesClient.resolve(raw as ClientOptions);
        const { job_id } = await client.request<{ job_id: string }>('POST', '/api/dbroles/jobs', await requestFromFlags(raw));
        if (!raw.wait) return out(Boolean(raw.json), { job_id }, `${job_id}\n`);
        if (!raw.json) io.stderr(`job ${job_id} created; following it\n`);
        const job = await followJob(client, job_id, io, { json: Boolean(raw.json), timeoutSeconds: Number(raw.timeout) });
        out(Boolean(raw.json), job, summary(job));
        setExitCode(job.status.phase === 'completed' ? 0 : 1);
      }),
  );

  jobs.addCommand(
    withClient(new Command('list'))
      .description('List jobs, newest first.')
      .option('--limit <n>', 'jobs per page (1-100)', '20')
      .option('--next-token <token>', 'the next page, from a previous list')
      .action(async (raw: Record<string, unknown>) => {
        const client = await DbrolesClient.resolve(raw as ClientOptions);
        const query = new URLSearchParams({ limit: String(raw.limit) });
        if (raw.nextToken) query.set('next_token', String(raw.nextToken));
        const page = await client.request<{ items: Job[]; next_token: string | null }>('GET', `/api/dbroles/jobs?${query}`);
        const rows = page.items.map((j) => `${j.id}  ${j.created_at.slice(0, 19)}  ${j.status.phase.padEnd(9)}  ${j.spec.db_arn}`);
        const more = page.next_token ? `more: dbroles jobs list --next-token ${page.next_token}\n` : '';
        out(Boolean(raw.json), page, `${rows.length ? rows.join('\n') : 'no jobs'}\n${more}`);
      }),
  );

  jobs.addCommand(
    withClient(new Command('get'))
      .description('Show one job.')
      .argument('<id>', 'job id')
      .option('--plan', "a dry-run job's plan: every change it would make, in step order (all pages)")
      .action(async (id: string, raw: Record<string, unknown>) => {
        const client = await DbrolesClient.resolve(raw as ClientOptions);
        if (!raw.plan) {
          const job = await client.getJob(id);
          return out(Boolean(raw.json), job, summary(job));
        }
        const items: PlanItem[] = [];
        let token: string | null = null;
        do {
          const query = new URLSearchParams({ limit: '1000', ...(token ? { next_token: token } : {}) });
          const page: { items: PlanItem[]; next_token: string | null } = await client.request('GET', `/api/dbroles/jobs/${encodeURIComponent(id)}/plan?${query}`);
          items.push(...page.items);
          token = page.next_token;
        } while (token);
        out(Boolean(raw.json), { items }, formatPlanItems(items));
      }),
  );

  jobs.addCommand(
    withClient(new Command('wait'))
      .description('Follow a job until it ends; exit 0 when it completed, 1 when it failed.')
      .argument('<id>', 'job id')
      .option('--timeout <seconds>', 'give up after this long', '900')
      .action(async (id: string, raw: Record<string, unknown>) => {
        const client = await DbrolesClient.resolve(raw as ClientOptions);
        const job = await followJob(client, id, io, { json: Boolean(raw.json), timeoutSeconds: Number(raw.timeout) });
        out(Boolean(raw.json), job, summary(job));
        setExitCode(job.status.phase === 'completed' ? 0 : 1);
      }),
  );
  return jobs;
}
