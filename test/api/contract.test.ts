import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';

let runtime: LocalRuntime;
let dataDir: string;
const MASTER_PASSWORD = 'contract-master-Secret-1';

async function call(method: string, path: string, body?: unknown, token: string | null = runtime.token) {
  const response = await fetch(`${runtime.url}${path}`, {
    method,
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, body: text ? JSON.parse(text) : undefined };
}

/** A job on a port nothing listens on: the API accepts it and the workflow fails it at once, locally. */
const validTarget = (name = 'contract') => ({
  connection_prefix_name: 'contract',
  job_steps: ['create-connections'],
  target: { engine: 'postgres', host: '127.0.0.1', port: 1, master_user: 'admin', master_password: MASTER_PASSWORD, name },
});

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'dbroles-api-'));
  // Secrets Manager is configured here and Vault is not.
  runtime = await startLocalRuntime({ dataDir, port: 0, token: 'contract-token-0123456789abcdefghij', waitMs: 10, env: { DB_CONNECT_TIMEOUT_SECONDS: '2', SECRETS_MANAGER_ENABLED: 'true' } });
});
afterAll(async () => {
  await runtime?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('auth', () => {
  it.each([
    ['no token', null],
    ['a wrong token', 'contract-token-0123456789abcdefghiX'],
    ['a longer token', 'contract-token-0123456789abcdefghij-and-more'],
  ])('refuses %s with 401', async (_label, token) => {
    const r = await call('GET', '/api/dbroles/jobs', undefined, token);
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ message: 'missing or wrong bearer token (Authorization: Bearer <token>)' });
  });
});

describe('the local API keeps to the CLI and its own pages', () => {
  it('refuses a request from another origin with 403, and takes its own origins and requests without one', async () => {
    const port = new URL(runtime.url).port;
    const get = (origin?: string) =>
      fetch(`${runtime.url}/api/dbroles/jobs`, { headers: { authorization: `Bearer ${runtime.token}`, ...(origin ? { origin } : {}) } }).then((r) => r.status);
    expect(await get('https://evil.example')).toBe(403);
    expect(await get(`http://127.0.0.1:${Number(port) + 1}`)).toBe(403);
    expect(await get(`http://127.0.0.1:${port}`)).toBe(200);
    expect(await get(`http://localhost:${port}`)).toBe(200);
    expect(await get()).toBe(200);
  });

  it('refuses a POST that is not application/json with 415, as a form post from a web page would be', async () => {
    const r = await fetch(`${runtime.url}/api/dbroles/jobs`, { method: 'POST', headers: { authorization: `Bearer ${runtime.token}`, 'content-type': 'text/plain' }, body: JSON.stringify(validTarget()) });
    expect(r.status).toBe(415);
    expect(await r.json()).toEqual({ message: 'POST needs Content-Type: application/json' });
  });

  it('serves the web console outside /api/ without the token, with its settings and a strict CSP, and nothing else', async () => {
    const config = await fetch(`${runtime.url}/config.json`);
    expect(config.status).toBe(200);
    expect(await config.json()).toEqual({ auth: 'token' });
    expect(config.headers.get('content-security-policy')).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
    // Built or not (a fresh checkout has no web/dist), the page never asks the server for a token.
    expect([200, 503]).toContain((await fetch(`${runtime.url}/`)).status);
    for (const path of ['/package.json', '/assets/..%2f..%2fpackage.json', '/.dbroles/token', '/lambdas/api/router.ts']) {
      expect((await fetch(`${runtime.url}${path}`)).status, path).toBe(404);
    }
    expect((await fetch(`${runtime.url}/`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${runtime.url}/api/dbroles/jobs`)).status).toBe(401);
  });

  it('refuses to start with a token shorter than 32 characters, and generates longer ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dbroles-shorttoken-'));
    try {
      await expect(startLocalRuntime({ dataDir: dir, port: 0, token: 'short-token' })).rejects.toThrow(/DBROLES_TOKEN \(or --token\) must be at least 32 characters/);
      await expect(startLocalRuntime({ dataDir: dir, port: 0, env: { DBROLES_TOKEN: '' } })).rejects.toThrow(/at least 32 characters/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(runtime.token.length).toBeGreaterThanOrEqual(32);
  });

  it('keeps its DynamoDB on a unix socket in the 0700 data dir, out of reach of web pages and other users', async () => {
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    const socket = await stat(join(dataDir, 'dynamodb.sock'));
    expect(socket.isSocket()).toBe(true);
    expect(socket.mode & 0o777).toBe(0o600);
  });
});

describe('POST /api/dbroles/jobs', () => {
  it('accepts a job with 202 {job_id}, runs it, and never echoes the master password', async () => {
    const r = await call('POST', '/api/dbroles/jobs', validTarget());
    expect(r.status).toBe(202);
    expect(Object.keys(r.body)).toEqual(['job_id']);
    await runtime.idle();
    const job = await call('GET', `/api/dbroles/jobs/${r.body.job_id}`);
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({ id: r.body.job_id, spec: { db_arn: 'target:contract', db_engine: 'postgres' }, status: { phase: 'failed' } });
    expect(job.body.status.message).toMatch(/ECONNREFUSED|connect/);
    expect(job.body.execution_arn).toMatch(new RegExp(`execution:dbroles:${r.body.job_id}$`));
    expect(job.text).not.toContain(MASTER_PASSWORD);
    expect((await call('GET', '/api/dbroles/jobs')).text).not.toContain(MASTER_PASSWORD);
  });

  const base = validTarget();
  it.each([
    ['a missing prefix', { ...base, connection_prefix_name: undefined }, /^connection_prefix_name: /],
    ['a prefix with a space', { ...base, connection_prefix_name: 'a b' }, /^connection_prefix_name: must be 1 to 60 letters/],
    ['a prefix of 61 characters', { ...base, connection_prefix_name: 'a'.repeat(61) }, /^connection_prefix_name: /],
    ['an unknown job step', { ...base, job_steps: ['drop-everything'] }, /^job_steps\.0: /],
    ['both aws and target', { ...base, aws: { instance_arn: 'arn:aws:rds:us-east-1:111111111111:db:a' } }, /give exactly one of "aws".*or "target"/],
    ['neither aws nor target', { connection_prefix_name: 'x' }, /give exactly one of "aws"/],
    ['a malformed ARN', { connection_prefix_name: 'x', aws: { instance_arn: 'arn:aws:rds:us-east-1:1:db:a' } }, /^aws\.instance_arn: must be an RDS instance ARN/],
    ['a cluster ARN', { connection_prefix_name: 'x', aws: { instance_arn: 'arn:aws:rds:us-east-1:111111111111:cluster:a' } }, /^aws\.instance_arn: /],
    ['a bad CIDR', { connection_prefix_name: 'x', aws: { instance_arn: 'arn:aws:rds:us-east-1:111111111111:db:a', default_security_group: { ingress_cidr: '10.0.0.1/40' } } }, /^aws\.default_security_group\.ingress_cidr: must be an IPv4 CIDR/],
    ['an unknown engine', { ...base, target: { ...base.target, engine: 'oracle-ee' } }, /^target\.engine: /],
    ['a port out of range', { ...base, target: { ...base.target, port: 70000 } }, /^target\.port: /],
    ['no master password', { ...base, target: { ...base.target, master_password: undefined } }, /^target\.master_password: /],
    ['an unknown field', { ...base, surprise: true }, /surprise/],
    ['an array body', [], /^body: /],
    ['both Vault and Secrets Manager', { ...base, vault_provider: { secret_id: 'kv/data/' }, aws_secrets_manager: {} }, /^aws_secrets_manager: give at most one of "vault_provider" or "aws_secrets_manager"/],
    ['vault_provider where Vault is not configured', { ...base, vault_provider: { secret_id: 'kv/data/' } }, /^vault_provider: Vault is not configured here: set VAULT_ADDR/],
    ['a secret_id with ":"', { ...base, vault_provider: { secret_id: 'kv:data/' } }, /^vault_provider\.secret_id: must not contain ":"/],
    ['vault_provider on an IPv6 host', { ...base, vault_provider: { secret_id: 'kv/data/' }, target: { ...base.target, host: '::1' } }, /^vault_provider: cannot be used with an IPv6 host/],
    ['a name_prefix outside the allowed prefix', { ...base, aws_secrets_manager: { name_prefix: 'prod/' } }, /^aws_secrets_manager\.name_prefix: must start with "dbroles\/"/],
    ['a name_prefix with a space', { ...base, aws_secrets_manager: { name_prefix: 'dbroles/a b' } }, /^aws_secrets_manager\.name_prefix: must be 1 to 256/],
    ['an unknown Secrets Manager field', { ...base, aws_secrets_manager: { region: 'x' } }, /aws_secrets_manager.*region/],
    ['rotate_passwords that is not a boolean', { ...base, rotate_passwords: 'yes' }, /^rotate_passwords: /],
    ['an ingress open to the Internet', { connection_prefix_name: 'x', aws: { instance_arn: 'arn:aws:rds:us-east-1:111111111111:db:a', default_security_group: { ingress_cidr: '0.0.0.0/0' } } }, /^aws\.default_security_group\.ingress_cidr: opens the database to the whole Internet; set "allow_public_ingress": true/],
    ['the metadata address', { ...base, target: { ...base.target, host: '169.254.169.254' } }, /^target\.host: "169\.254\.169\.254" is a link-local address/],
    ['an IPv6 link-local host', { ...base, target: { ...base.target, host: 'fe80::1' } }, /^target\.host: "fe80::1" is a link-local address/],
    ['the IPv6 metadata address', { ...base, target: { ...base.target, host: '[fd00:ec2::254]' } }, /^target\.host: .* is a link-local address/],
  ])('refuses %s with 400 naming the field', async (_label, body, message) => {
    const r = await call('POST', '/api/dbroles/jobs', body);
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(message);
  });

  it.each([
    ['invalid JSON', '{"connection_prefix_name": ', 400, 'body: is not valid JSON'],
    ['an empty body', '', 400, 'body: a JSON object is required'],
    ['a body over 64 KiB', JSON.stringify({ x: 'y'.repeat(70_000) }), 413, 'body too large'],
  ])('refuses %s', async (_label, body, status, message) => {
    const r = await call('POST', '/api/dbroles/jobs', body);
    expect(r.status).toBe(status);
    expect(r.body).toEqual({ message });
  });
});

describe('GET /api/dbroles/jobs', () => {
  it('pages newest first with limit and next_token', async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await call('POST', '/api/dbroles/jobs', validTarget(`page-${i}`))).body.job_id);
    await runtime.idle();
    const seen: string[] = [];
    let token: string | null = null;
    do {
      const r = await call('GET', `/api/dbroles/jobs?limit=2${token ? `&next_token=${token}` : ''}`);
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.items.map((j: { id: string }) => j.id));
      token = r.body.next_token;
    } while (token);
    const ours = seen.filter((id) => created.includes(id));
    expect(ours).toEqual([...created].reverse());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it.each([
    ['limit=0'],
    ['limit=101'],
    ['limit=x'],
    ['next_token=%21%21'],
    ['next_token=abc'],
    // Well-formed JSON, but not a key this API made.
    [`next_token=${Buffer.from('{"pk":1}').toString('base64url')}`],
    [`next_token=${Buffer.from('{"surprise":"x"}').toString('base64url')}`],
    [`next_token=${Buffer.from('[1,2]').toString('base64url')}`],
  ])('refuses %s with 400', async (query) => {
    const r = await call('GET', `/api/dbroles/jobs?${query}`);
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/^(limit|next_token): /);
  });
});

describe('GET /api/dbroles/jobs/{id} and /api/dbroles/{id}', () => {
  it('returns the same job on both paths', async () => {
    const { job_id } = (await call('POST', '/api/dbroles/jobs', validTarget('alias'))).body;
    await runtime.idle();
    const a = await call('GET', `/api/dbroles/jobs/${job_id}`);
    const b = await call('GET', `/api/dbroles/${job_id}`);
    expect(a.status).toBe(200);
    expect(b.body).toEqual(a.body);
  });

  it('answers 404 {message} for an unknown id', async () => {
    for (const path of ['/api/dbroles/jobs/no-such-job', '/api/dbroles/no-such-job']) {
      const r = await call('GET', path);
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ message: 'job "no-such-job" not found' });
    }
  });
});

describe('GET /api/dbroles/jobs/{id}/databases', () => {
  it('pages the outcome per role and database, and refuses an unknown job or a bad token', async () => {
    const id = (await call('POST', '/api/dbroles/jobs', validTarget('outcomes'))).body.job_id;
    await runtime.idle();
    await runtime.deps.jobs.putDatabaseOutcomes(id, ['a', 'b', 'c'].map((database) => ({ user_role: 'hoop_ro', database, status: 'completed' as const, message: '' })));
    const first = await call('GET', `/api/dbroles/jobs/${id}/databases?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items).toEqual([
      { user_role: 'hoop_ro', database: 'a', status: 'completed', message: '' },
      { user_role: 'hoop_ro', database: 'b', status: 'completed', message: '' },
    ]);
    const second = await call('GET', `/api/dbroles/jobs/${id}/databases?limit=2&next_token=${first.body.next_token}`);
    expect(second.body).toEqual({ items: [{ user_role: 'hoop_ro', database: 'c', status: 'completed', message: '' }], next_token: null });
    expect((await call('GET', '/api/dbroles/jobs/nope/databases')).status).toBe(404);
    expect((await call('GET', `/api/dbroles/jobs/${id}/databases?next_token=abc`)).status).toBe(400);
    expect((await call('GET', `/api/dbroles/jobs/${id}/databases?limit=0`)).status).toBe(400);
  });
});

describe('other routes', () => {
  it('lists connections and answers 404 for an unknown one', async () => {
    expect((await call('GET', '/api/connections')).body).toEqual({ items: expect.any(Array) });
    expect(await call('GET', '/api/connections/nope-ro')).toMatchObject({ status: 404, body: { message: 'connection "nope-ro" not found' } });
  });

  it('serves an OpenAPI 3.1 document generated from the schemas', async () => {
    const r = await call('GET', '/api/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    expect(Object.keys(r.body.paths)).toEqual(
      expect.arrayContaining(['/api/dbroles/jobs', '/api/dbroles/jobs/{id}', '/api/dbroles/{id}', '/api/connections', '/api/connections/{name}']),
    );
    expect(r.body.components.schemas.JobRequest.properties.connection_prefix_name.pattern).toBe('^[A-Za-z0-9_-]{1,60}$');
    expect(r.body.components.schemas.Job.properties.status).toBeDefined();
  });

  it('answers 404 for an unknown route, 405 for a wrong method, 400 for bad URL encoding', async () => {
    expect(await call('GET', '/api/nothing')).toMatchObject({ status: 404, body: { message: 'no route for GET /api/nothing' } });
    expect(await call('DELETE', '/api/dbroles/jobs')).toMatchObject({ status: 405, body: { message: 'DELETE is not allowed on /api/dbroles/jobs' } });
    expect(await call('GET', '/api/dbroles/jobs/%E0%A4%A')).toMatchObject({ status: 400 });
  });
});
