import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../local/cli/program.ts';
import { pgRun } from '../support/pg.ts';
import { PG_HOST, PG_PORT, PG_SUPERUSER, suffix } from '../support/servers.ts';

const CLI = fileURLToPath(new URL('../../bin/dbroles-cli.mjs', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function dbroles(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

const s = suffix();
const admin = `dbr_cli_${s}`;
const adminPassword = `cli-${s}-pw`;
const database = `dbr_${s}_cli`;
const prefix = `c${s}`;
const su = { host: PG_HOST, port: PG_PORT, user: PG_SUPERUSER, database: 'postgres' };
const base = ['provision', '--engine', 'postgres', '--host', PG_HOST, '--port', String(PG_PORT), '--user', admin, '--prefix', prefix, '--databases', database];
const env = { DBROLES_MASTER_PASSWORD: adminPassword };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dbroles-cli-'));
  await pgRun(su, [`CREATE ROLE ${admin} LOGIN CREATEROLE PASSWORD '${adminPassword}'`, `CREATE DATABASE ${database} OWNER ${admin}`]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await pgRun(su, [`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`]);
  for (const r of ['ro', 'rw', 'ddl'].map((t) => `${prefix}_${t}`).concat(admin)) await pgRun(su, [`DROP ROLE IF EXISTS ${r}`]);
});

describe('dbroles provision', () => {
  it('prints the seed response object and exits 0', async () => {
    const run = await dbroles(base, env);
    expect(run.code, run.stderr).toBe(0);
    const response = JSON.parse(run.stdout);
    expect(Object.keys(response)).toEqual(['sid', 'status', 'message', 'result']);
    expect(response).toMatchObject({ status: 'completed', message: 'All user roles have been successfully provisioned' });
    expect(response.sid).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.result.map((r: { role_suffix_name: string }) => r.role_suffix_name)).toEqual(['ro', 'rw', 'ddl']);
    for (const r of response.result) {
      expect(r).toMatchObject({ status: 'completed', message: '' });
      expect(new Date(r.completed_at).toISOString()).toBe(r.completed_at);
      expect(r.db_credentials).toEqual({
        host: PG_HOST,
        port: String(PG_PORT),
        user: `${prefix}_${r.role_suffix_name}`,
        password: expect.stringMatching(/^[a-zA-Z0-9*_]{25}$/),
        default_database: 'postgres',
        options: {},
        secrets_manager_provider: 'database',
        secret_id: '',
        secret_keys: [],
      });
    }
    expect(run.stdout).not.toContain(adminPassword);
    expect(run.stderr).toBe('');
  });

  it('with --output writes the passwords to a 0600 file and prints none', async () => {
    const file = join(dir, 'creds.json');
    await writeFile(file, 'old content', { mode: 0o644 });
    const run = await dbroles([...base, '--roles', 'ro,rw', '--output', file], env);
    expect(run.code, run.stderr).toBe(0);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(await readFile(file, 'utf8'));
    const printed = JSON.parse(run.stdout);
    expect(saved.result).toHaveLength(2);
    for (const [i, r] of saved.result.entries()) {
      expect(r.db_credentials.password).toMatch(/^[a-zA-Z0-9*_]{25}$/);
      expect(printed.result[i].db_credentials.password).toBe('');
      expect(run.stdout).not.toContain(r.db_credentials.password);
    }
  });

  it('exits 1 and names the database when a role fails', async () => {
    const run = await dbroles([...base, '--roles', 'ro', '--databases', `${database},dbr_${s}_missing`], env);
    expect(run.code).toBe(1);
    const response = JSON.parse(run.stdout);
    expect(response).toMatchObject({ status: 'failed', message: 'One or more user roles failed to be provisioned' });
    expect(response.result[0].message).toMatch(new RegExp(`dbr_${s}_missing: database not found`));
    expect(response.result[0].db_credentials.password, 'the changed password is not lost').toMatch(/^[a-zA-Z0-9*_]{25}$/);
  });

  it('exits 2 from the real executable on a usage error, with one line and no stack trace', async () => {
    const run = await dbroles(['provision', '--engine', 'oracle', '--host', 'h', '--user', 'u'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/argument 'oracle' is invalid/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
  });

  it.each([
    [[...base.filter((a) => a !== '--engine' && a !== 'postgres')], /required option '--engine <engine>' not specified/],
    [[...base, '--roles', 'ro,admin'], /^dbroles: --roles: /m],
    [[...base, '--port', '99999'], /^dbroles: --port: /m],
    [[...base, '--prefix', '1bad'], /^dbroles: --prefix: must start with a letter/m],
    [[...base, '--password-env', 'NOT_SET_ANYWHERE'], /^dbroles: environment variable NOT_SET_ANYWHERE is empty/m],
    [[...base, '--output', '/nonexistent-dir/creds.json'], /^dbroles: --output: cannot write to \/nonexistent-dir/m],
  ])('returns 2 on a usage error with a one-line message: %#', async (args, message) => {
    const out: string[] = [];
    const err: string[] = [];
    const previous = process.env.DBROLES_MASTER_PASSWORD;
    process.env.DBROLES_MASTER_PASSWORD = adminPassword;
    try {
      const code = await runCli(args, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), stderrIsTTY: false });
      expect(code).toBe(2);
    } finally {
      if (previous === undefined) delete process.env.DBROLES_MASTER_PASSWORD;
      else process.env.DBROLES_MASTER_PASSWORD = previous;
    }
    expect(err.join('')).toMatch(message);
    expect(err.join('')).not.toMatch(/\n\s+at /);
    expect(out.join('')).toBe('');
  });

  it('prints help and exits 0', async () => {
    const run = await dbroles(['provision', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/--password-env <var>/);
    expect(run.stdout).toMatch(/Exit codes: 0/);
  });

  it('shows progress per database on stderr when it is a terminal, and none otherwise', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const previous = process.env.DBROLES_MASTER_PASSWORD;
    process.env.DBROLES_MASTER_PASSWORD = adminPassword;
    try {
      const code = await runCli([...base, '--roles', 'ro'], { stdout: (t) => out.push(t), stderr: (t) => err.push(t), stderrIsTTY: true });
      expect(code).toBe(0);
      expect(err.join('')).toMatch(new RegExp(`\\[ro\\] ok +${database} \\(1/1\\)`));
      err.length = 0;
      await runCli([...base, '--roles', 'ro'], { stdout: (t) => out.push(t), stderr: (t) => err.push(t), stderrIsTTY: false });
      expect(err.join('')).toBe('');
    } finally {
      if (previous === undefined) delete process.env.DBROLES_MASTER_PASSWORD;
      else process.env.DBROLES_MASTER_PASSWORD = previous;
    }
  });
});
