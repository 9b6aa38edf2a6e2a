import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../lambdas/core/job.ts';
import { directResourceKey } from '../../lambdas/core/target.ts';
import { INTERRUPTED_MESSAGE, startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { FakeSecretsManager, startSecretsManagerEndpoint } from '../support/fake-secrets-manager.ts';
import { startFakeVault, type FakeVault } from '../support/fake-vault.ts';
import { mysqlRun, mysqlTry } from '../support/mysql.ts';
import { pgQuery, pgRun, pgTry } from '../support/pg.ts';
import { MYSQL_HOST, MYSQL_PORT, MYSQL_ROOT, MYSQL_ROOT_PASSWORD, PG_HOST, PG_PORT, PG_SUPERUSER, suffix } from '../support/servers.ts';

const CLI = fileURLToPath(new URL('../../bin/dbroles-cli.mjs', import.meta.url));
const s = suffix();
let dataDir: string;
let runtime: LocalRuntime;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; text: string }> {
  const r = await fetch(`${runtime.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${runtime.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined, text };
}

/** By default, until the job ended and its last step (Notify, after the hook) has run. */
async function waitFor(id: string, until: (job: Job) => boolean = (j) => j.status.phase !== 'running' && j.steps.Notify !== undefined): Promise<Job> {
  for (let i = 0; i < 300; i++) {
    const job = (await api('GET', `/api/dbroles/jobs/${id}`)).body as Job;
    if (until(job)) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${id} did not reach the expected state`);
}

function dbroles(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let vault: FakeVault;
let sm: FakeSecretsManager;
let smEndpoint: Awaited<ReturnType<typeof startSecretsManagerEndpoint>>;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'dbroles-runtime-'));
  vault = await startFakeVault({ token: 'runtime-vault-token' });
  sm = new FakeSecretsManager();
  smEndpoint = await startSecretsManagerEndpoint(sm);
  // The SDK reads these from the process, as it would on a laptop pointed at a local endpoint.
  Object.assign(process.env, { AWS_ENDPOINT_URL_SECRETS_MANAGER: smEndpoint.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
  runtime = await startLocalRuntime({
    dataDir,
    port: 0,
    waitMs: 20,
    env: {
      ...process.env,
      DB_CONNECT_TIMEOUT_SECONDS: '30',
      VAULT_ADDR: vault.url,
      VAULT_TOKEN: 'runtime-vault-token',
      // npm start with the seed's example hook in a local folder: python3 runs as a child process.
      DBROLES_RUNBOOKS_DIR: fileURLToPath(new URL('../fixtures/runbooks', import.meta.url)),
    },
  });
});
afterAll(async () => {
  await runtime?.stop({ wait: false });
  await Promise.all([vault?.stop(), smEndpoint?.stop()]);
  await rm(dataDir, { recursive: true, force: true });
});

describe('the local runtime over HTTP', () => {
  it('writes its key and a generated token with mode 0600', async () => {
    expect(runtime.tokenGenerated).toBe(true);
    expect((await readFile(join(dataDir, 'token'), 'utf8')).trim()).toBe(runtime.token);
    for (const file of ['token', 'credentials.key']) expect((await stat(join(dataDir, file))).mode & 0o777).toBe(0o600);
  });

  describe('on the local PostgreSQL and MariaDB', () => {
    const pgAdmin = `dbr_rt_${s}`;
    const pgDbs = [`dbr_${s}_rt1`, `dbr_${s}_rt2`];
    const myAdmin = `dbr_rtm_${s}`;
    const myDb = `dbr_${s}_rtm`;
    const su = (database = 'postgres') => ({ host: PG_HOST, port: PG_PORT, user: PG_SUPERUSER, database });
    const root = { host: MYSQL_HOST, port: MYSQL_PORT, user: MYSQL_ROOT, password: MYSQL_ROOT_PASSWORD };
    let pgHadHoop = false;
    let myHadHoop = false;

    beforeAll(async () => {
      pgHadHoop = (await pgQuery(su(), "SELECT 1 FROM pg_roles WHERE rolname LIKE 'hoop\\_%'")).length > 0;
      await pgRun(su(), [`CREATE ROLE ${pgAdmin} LOGIN CREATEROLE PASSWORD 'pw-${s}'`, ...pgDbs.map((d) => `CREATE DATABASE ${d} OWNER ${pgAdmin}`)]);
      for (const d of pgDbs) await pgRun({ ...su(d), user: pgAdmin }, ['CREATE SCHEMA app', 'CREATE TABLE app.t (id serial PRIMARY KEY, v text)']);
      const conn = await mysql.createConnection(root);
      const [rows] = await conn.query<mysql.RowDataPacket[]>("SELECT 1 FROM mysql.user WHERE User LIKE 'hoop\\_%'");
      await conn.end();
      myHadHoop = rows.length > 0;
      await mysqlRun(root, [
        `CREATE USER '${myAdmin}'@'%' IDENTIFIED BY 'initial-${s}'`,
        `GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, REFERENCES, INDEX, ALTER, SHOW DATABASES, CREATE VIEW, SHOW VIEW, TRIGGER, CREATE USER ON *.* TO '${myAdmin}'@'%' WITH GRANT OPTION`,
        `CREATE DATABASE ${myDb}`,
        `CREATE TABLE ${myDb}.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10))`,
      ]);
    });
    afterAll(async () => {
      for (const d of pgDbs) await pgRun(su(), [`DROP DATABASE IF EXISTS ${d} WITH (FORCE)`]);
      if (!pgHadHoop) for (const r of ['hoop_ro', 'hoop_rw', 'hoop_ddl']) await pgRun(su(), [`DROP ROLE IF EXISTS ${r}`]).catch(() => undefined);
      await pgRun(su(), [`DROP ROLE IF EXISTS ${pgAdmin}`]).catch(() => undefined);
      await mysqlRun(root, [`DROP DATABASE IF EXISTS ${myDb}`, `DROP USER IF EXISTS '${myAdmin}'@'%'`]);
      if (!myHadHoop) await mysqlRun(root, ['ro', 'rw', 'ddl'].map((t) => `DROP USER IF EXISTS 'hoop_${t}'@'%'`));
    });

    it('provisions PostgreSQL end to end through POST /api/dbroles/jobs, with resource roles and no password in any response', async () => {
      const posted = await api('POST', '/api/dbroles/jobs', {
        connection_prefix_name: `pg-${s}`,
        job_steps: ['create-connections'],
        target: { engine: 'postgres', host: PG_HOST, port: PG_PORT, master_user: pgAdmin, master_password: `pw-${s}`, name: `pg-${s}`, databases: pgDbs },
      });
      expect(posted.status).toBe(202);
      const job = await waitFor(posted.body.job_id);
      expect(job.status, job.status.message).toMatchObject({ phase: 'completed', message: 'All user roles have been successfully provisioned' });
      expect(job.status.result.map((r) => [r.user_role, r.status])).toEqual([['hoop_ro', 'completed'], ['hoop_rw', 'completed'], ['hoop_ddl', 'completed']]);
      expect(job.hook_status, job.hook_status?.output).toMatchObject({ exit_code: 0, output: expect.stringContaining('response status: completed') });
      expect(job.hook_status?.output).toContain('credentials role password -> REDACTED');
      const connections = await api('GET', '/api/connections');
      const ours = connections.body.items.filter((c: { name: string }) => c.name.startsWith(`pg-${s}-`));
      expect(ours.map((c: { name: string }) => c.name).sort()).toEqual([`pg-${s}-ddl`, `pg-${s}-ro`, `pg-${s}-rw`]);
      expect((await api('GET', `/api/connections/pg-${s}-ro`)).body.env.PASS).toEqual({
        secret_ref: { provider: 'database', secret_id: `${directResourceKey('postgres', PG_HOST, PG_PORT)}/hoop_ro` },
      });
      const ro = await runtime.deps.secretStores.reader('database').read(`${directResourceKey('postgres', PG_HOST, PG_PORT)}/hoop_ro`);
      for (const text of [connections.text, JSON.stringify(job)]) {
        expect(text).not.toContain(`pw-${s}`);
        expect(text).not.toContain(ro?.password);
      }
      expect(await pgTry({ ...su(pgDbs[1]), user: 'hoop_rw' }, ["INSERT INTO app.t (v) VALUES ('rw')"])).toEqual({ ok: true });
      expect(await pgTry({ ...su(pgDbs[1]), user: 'hoop_ro' }, ['BEGIN READ WRITE', "INSERT INTO app.t (v) VALUES ('ro')"])).toMatchObject({ ok: false, code: '42501' });
    });

    it('provisions MariaDB and resets its master password through the database', async () => {
      const posted = await api('POST', '/api/dbroles/jobs', {
        connection_prefix_name: `my-${s}`,
        target: { engine: 'mariadb', host: MYSQL_HOST, port: MYSQL_PORT, master_user: myAdmin, master_password: `initial-${s}`, name: `my-${s}`, databases: [myDb], reset_master_password: true },
      });
      const job = await waitFor(posted.body.job_id);
      expect(job.status, job.status.message).toMatchObject({ phase: 'completed' });
      const key = directResourceKey('mariadb', MYSQL_HOST, MYSQL_PORT);
      const master = await runtime.deps.credentials.getMaster(key, myAdmin);
      expect(master?.current).toMatch(/^[a-zA-Z0-9*_]{25}$/);
      expect((await mysqlTry({ ...root, user: myAdmin, password: `initial-${s}` }, ['SELECT 1'])).ok, 'the old master password is gone').toBe(false);
      expect(await mysqlTry({ ...root, user: myAdmin, password: master?.current }, ['SELECT 1'])).toEqual({ ok: true });
      const ro = await runtime.deps.secretStores.reader('database').read(`${key}/hoop_ro`);
      expect(await mysqlTry({ ...root, user: 'hoop_ro', password: ro?.password, database: myDb }, ['SELECT * FROM t'])).toEqual({ ok: true });
      expect(await mysqlTry({ ...root, user: 'hoop_ro', password: ro?.password, database: myDb }, ["INSERT INTO t (v) VALUES ('x')"])).toMatchObject({ ok: false, code: '1142' });
    });

    it('drives jobs from the CLI: create --wait, list, get, wait', async () => {
      const env = { DBROLES_URL: runtime.url, DBROLES_TOKEN: runtime.token, DBROLES_MASTER_PASSWORD: `pw-${s}` };
      const created = await dbroles(
        ['jobs', 'create', '--engine', 'postgres', '--host', PG_HOST, '--port', String(PG_PORT), '--user', pgAdmin, '--name', `cli-${s}`, '--prefix', `cli-${s}`, '--databases', pgDbs.join(','), '--wait', '--json'],
        env,
      );
      expect(created.code, created.stderr).toBe(0);
      const job = JSON.parse(created.stdout) as Job;
      expect(job.status.phase).toBe('completed');
      const listed = await dbroles(['jobs', 'list', '--limit', '50'], env);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain(job.id);
      const got = await dbroles(['jobs', 'get', job.id], env);
      expect(got.stdout).toMatch(new RegExp(`^job ${job.id}: completed — All user roles have been successfully provisioned`));
      expect(got.stdout).toMatch(/✓ hoop_ro +completed in \d+\/\d+ databases/);
      const failing = await api('POST', '/api/dbroles/jobs', {
        connection_prefix_name: 'x',
        target: { engine: 'postgres', host: '127.0.0.1', port: 1, master_user: 'a', master_password: 'b', name: `fail-${s}` },
      });
      const waited = await dbroles(['jobs', 'wait', failing.body.job_id], env);
      expect(waited.code).toBe(1);
      expect(waited.stdout).toMatch(/: failed — /);
      expect(waited.stderr).toMatch(/Prepare +completed/);
      const noToken = await dbroles(['jobs', 'list', '--data-dir', join(dataDir, 'nowhere')], { DBROLES_URL: runtime.url, DBROLES_TOKEN: '' });
      expect(noToken.code).toBe(2);
      expect(noToken.stderr).toMatch(/no token: pass --token/);
    });

    describe('credentials read back', () => {
      const cli = () => ({ DBROLES_URL: runtime.url, DBROLES_TOKEN: runtime.token });
      const myLogin = (user: string, password: string | undefined) => mysqlTry({ ...root, user, password, database: myDb }, ['SELECT * FROM t']);
      const myJob = async (prefix: string, extra: Record<string, unknown> = {}) => {
        const posted = await api('POST', '/api/dbroles/jobs', {
          connection_prefix_name: prefix,
          job_steps: ['create-connections'],
          target: { engine: 'mariadb', host: MYSQL_HOST, port: MYSQL_PORT, master_user: myAdmin, master_password: `initial-${s}`, name: `my-${s}`, databases: [myDb] },
          ...extra,
        });
        expect(posted.status, posted.text).toBe(202);
        const job = await waitFor(posted.body.job_id);
        expect(job.status, job.status.message).toMatchObject({ phase: 'completed' });
        return job;
      };

      it('serves PostgreSQL credentials through the API and the CLI, logs each read without the password, and connects with psql', async () => {
        const got = await api('GET', `/api/connections/pg-${s}-ro/credentials`);
        expect(got.status).toBe(200);
        expect(got.body).toEqual({
          name: `pg-${s}-ro`,
          host: PG_HOST,
          port: PG_PORT,
          user: 'hoop_ro',
          password: expect.stringMatching(/^.{20,}$/),
          database: pgDbs[0],
          provider: 'database',
          secret_id: `${directResourceKey('postgres', PG_HOST, PG_PORT)}/hoop_ro`,
        });
        expect(await pgTry({ ...su(pgDbs[0]), user: 'hoop_ro', password: got.body.password }, ['SELECT * FROM app.t'])).toEqual({ ok: true });
        const audit = (await readFile(join(dataDir, 'audit.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
        expect(audit.at(-1)).toMatchObject({ event: 'credentials.read', connection: `pg-${s}-ro`, provider: 'database', caller: 'bearer-token@127.0.0.1' });
        expect(JSON.stringify(audit)).not.toContain(got.body.password);
        expect((await stat(join(dataDir, 'audit.log'))).mode & 0o777).toBe(0o600);

        const shown = await dbroles(['connections', 'get', `pg-${s}-rw`, '--json', '--show-password'], cli());
        expect(shown.code, shown.stderr).toBe(0);
        expect(JSON.parse(shown.stdout)).toMatchObject({ user: 'hoop_rw', provider: 'database', password: expect.any(String) });
        expect(await pgTry({ ...su(pgDbs[1]), user: 'hoop_rw', password: JSON.parse(shown.stdout).password }, ["INSERT INTO app.t (v) VALUES ('cli')"])).toEqual({ ok: true });
        const hidden = await dbroles(['connections', 'get', `pg-${s}-rw`], cli());
        expect(hidden.stdout).toMatch(/password: \(hidden: add --show-password\)/);
        expect(hidden.stdout).not.toContain(JSON.parse(shown.stdout).password);
        const listed = await dbroles(['connections', 'list'], cli());
        expect(listed.stdout).toMatch(new RegExp(`pg-${s}-ddl +postgres +hoop_ddl +database`));

        const psql = await dbroles(['connect', `pg-${s}-ro`, '--', '-tAc', 'SELECT current_user'], cli());
        expect(psql.code, psql.stderr).toBe(0);
        expect(psql.stdout.trim()).toBe('hoop_ro');
        const noClient = await dbroles(['connect', `pg-${s}-ro`], { ...cli(), PATH: '/nonexistent' });
        expect(noClient.code).toBe(2);
        expect(noClient.stderr).toMatch(/psql is not installed \(or not on PATH\): install the PostgreSQL client/);
        const missing = await api('GET', '/api/connections/nope/credentials');
        expect(missing.status).toBe(404);
      });

      it('keeps MariaDB passwords on a rerun and changes them with rotate_passwords (MariaDB checks passwords)', async () => {
        await myJob(`myk-${s}`);
        const first = (await api('GET', `/api/connections/myk-${s}-ro/credentials`)).body;
        expect(await myLogin('hoop_ro', first.password)).toEqual({ ok: true });
        await myJob(`myk-${s}`);
        const second = (await api('GET', `/api/connections/myk-${s}-ro/credentials`)).body;
        expect(second.password, 'a rerun keeps the password').toBe(first.password);
        expect(await myLogin('hoop_ro', first.password)).toEqual({ ok: true });
        await myJob(`myk-${s}`, { rotate_passwords: true });
        const third = (await api('GET', `/api/connections/myk-${s}-ro/credentials`)).body;
        expect(third.password).not.toBe(first.password);
        expect(await myLogin('hoop_ro', third.password)).toEqual({ ok: true });
        expect((await myLogin('hoop_ro', first.password)).ok, 'the rotated-out password is refused').toBe(false);
        const mysqlClient = await dbroles(['connect', `myk-${s}-ro`, '--', '-N', '-e', 'SELECT CURRENT_USER()'], cli());
        expect(mysqlClient.code, mysqlClient.stderr).toBe(0);
        expect(mysqlClient.stdout.trim()).toBe('hoop_ro@%');
      });

      it('keeps MariaDB credentials in Vault, with connections that reference them the way the product we replace does', async () => {
        const job = await myJob(`myv-${s}`, { vault_provider: { secret_id: 'kv/data/dbroles-' } });
        const path = `kv/data/dbroles-hoop_ro_${MYSQL_HOST}`;
        expect(job.status.result.find((r) => r.role_suffix_name === 'ro')?.credentials_info).toEqual({
          secrets_manager_provider: 'vault',
          secret_id: path,
          secret_keys: ['HOST', 'PORT', 'USER', 'PASSWORD', 'DB'],
        });
        const connection = (await api('GET', `/api/connections/myv-${s}-ro`)).body;
        expect(connection.env.PASS).toEqual({ secret_ref: { provider: 'vault', secret_id: path, key: 'PASSWORD' }, ref: `_vaultkv2:${path}:PASSWORD` });
        expect(connection.env.HOST).toEqual({ secret_ref: { provider: 'vault', secret_id: path, key: 'HOST' }, ref: `_vaultkv2:${path}:HOST` });
        expect(vault.kv.get(path)).toMatchObject({ HOST: MYSQL_HOST, PORT: String(MYSQL_PORT), USER: 'hoop_ro', DB: myDb });
        const creds = (await api('GET', `/api/connections/myv-${s}-ro/credentials`)).body;
        expect(creds).toMatchObject({ provider: 'vault', secret_id: path, user: 'hoop_ro', database: myDb, password: vault.kv.get(path)?.PASSWORD });
        expect(await myLogin('hoop_ro', creds.password)).toEqual({ ok: true });
        for (const text of [JSON.stringify(job), JSON.stringify(connection)]) expect(text).not.toContain(creds.password);
      });

      it('keeps MariaDB credentials in AWS Secrets Manager in the JSON of AWS rotation, with AWSPENDING cleared', async () => {
        const job = await myJob(`mys-${s}`, { aws_secrets_manager: {} });
        const secret = sm.find(`dbroles/mys-${s}-rw`);
        expect(job.status.result.find((r) => r.role_suffix_name === 'rw')?.credentials_info).toMatchObject({ secrets_manager_provider: 'aws-secrets-manager', secret_id: secret.arn });
        const value = JSON.parse(sm.staged(secret.name, 'AWSCURRENT')?.value ?? '{}');
        expect(value).toMatchObject({ engine: 'mariadb', host: MYSQL_HOST, port: MYSQL_PORT, username: 'hoop_rw', dbname: myDb });
        expect(sm.staged(secret.name, 'AWSPENDING')).toBeUndefined();
        const creds = (await api('GET', `/api/connections/mys-${s}-rw/credentials`)).body;
        expect(creds).toMatchObject({ provider: 'aws-secrets-manager', secret_id: secret.arn, password: value.password });
        expect(await mysqlTry({ ...root, user: 'hoop_rw', password: creds.password, database: myDb }, ["INSERT INTO t (v) VALUES ('sm')"])).toEqual({ ok: true });
        expect((await api('GET', `/api/connections/mys-${s}-rw`)).body.env.PASS).toEqual({ secret_ref: { provider: 'aws-secrets-manager', secret_id: secret.arn, key: 'password' } });
        expect(JSON.stringify(job)).not.toContain(creds.password);
      });
    });
  });

  it('survives a restart, and marks a job that was running when it stopped as failed', async () => {
    // A TCP server that accepts and never answers: the job waits in MasterCredentials.
    const sockets: Socket[] = [];
    const blackhole: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', () => r()));
    const port = (blackhole.address() as { port: number }).port;
    try {
      const done = (await api('GET', '/api/dbroles/jobs?limit=100')).body.items as Job[];
      const posted = await api('POST', '/api/dbroles/jobs', {
        connection_prefix_name: 'hang',
        target: { engine: 'postgres', host: '127.0.0.1', port, master_user: 'a', master_password: 'hanging-master-pw', name: 'hang' },
      });
      await waitFor(posted.body.job_id, (j) => j.steps.MasterCredentials?.status === 'running');
      const token = runtime.token;
      await runtime.stop({ wait: false });

      runtime = await startLocalRuntime({ dataDir, port: 0, waitMs: 20 });
      expect(runtime.token).toBe(token);
      expect(runtime.tokenGenerated).toBe(false);
      expect(runtime.interruptedJobs).toEqual([posted.body.job_id]);
      const job = (await api('GET', `/api/dbroles/jobs/${posted.body.job_id}`)).body as Job;
      expect(job.status).toMatchObject({ phase: 'failed', message: INTERRUPTED_MESSAGE });
      expect(job.completed_at).not.toBeNull();
      const after = (await api('GET', '/api/dbroles/jobs?limit=100')).body.items as Job[];
      for (const earlier of done) expect(after.find((j) => j.id === earlier.id)).toEqual(earlier);
      expect(await runtime.deps.credentials.getOfferedMaster(posted.body.job_id)).toBeUndefined();
      // Its lock is gone: a new job on the same database is not refused as "being provisioned".
      const again = await api('POST', '/api/dbroles/jobs', {
        connection_prefix_name: 'hang',
        target: { engine: 'postgres', host: '127.0.0.1', port: 1, master_user: 'a', master_password: 'b', name: 'hang' },
      });
      const next = await waitFor(again.body.job_id);
      expect(next.status.message).not.toMatch(/being provisioned/);
    } finally {
      for (const socket of sockets) socket.destroy();
      blackhole.close();
    }
  });
});
