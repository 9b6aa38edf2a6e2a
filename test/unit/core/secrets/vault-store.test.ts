import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseVaultTimeout, VaultClient } from '../../../../lambdas/core/secrets/vault-client.ts';
import { VAULT_PENDING_SUFFIX, VaultRoleSecretStore, vaultSecretPath } from '../../../../lambdas/core/secrets/vault-store.ts';
import type { RoleSecretScope } from '../../../../lambdas/core/secrets/types.ts';
import { startFakeVault, type FakeVault } from '../../../support/fake-vault.ts';

const scope: RoleSecretScope = {
  resourceKey: 'arn:aws:rds:us-east-1:111111111111:db:orders',
  dbArn: 'arn:aws:rds:us-east-1:111111111111:db:orders',
  engine: 'postgres',
  host: 'orders.abc.us-east-1.rds.amazonaws.com',
  port: 5432,
  user: 'hoop_ro',
  tier: 'ro',
  connectionPrefix: 'orders',
  instanceId: 'orders',
  clusterId: null,
};
const secret = (password: string) => ({ host: scope.host, port: 5432, user: 'hoop_ro', password, database: 'postgres' });

let vault: FakeVault;
beforeAll(async () => {
  vault = await startFakeVault({ token: 'root-token', appRole: { roleId: 'role-1', secretId: 'secret-1' } });
});
afterAll(() => vault.stop());
afterEach(() => {
  vault.failWrites = undefined;
});

const tokenClient = () => new VaultClient({ address: vault.url, auth: async () => ({ token: 'root-token' }) });

describe('vaultSecretPath', () => {
  it('concatenates as the product we replace does, and puts a secret_id without "/" under secret/data/', () => {
    expect(vaultSecretPath('dbsecrets/data/', 'hoop_ro', 'db.example.com')).toBe('dbsecrets/data/hoop_ro_db.example.com');
    expect(vaultSecretPath('team-', 'hoop_rw', 'db.example.com')).toBe('secret/data/team-hoop_rw_db.example.com');
  });
});

describe('parseVaultTimeout', () => {
  it('reads Go durations and seconds, and ignores values of 1 s or less', () => {
    expect(parseVaultTimeout(undefined)).toBe(5000);
    expect(parseVaultTimeout('10s')).toBe(10_000);
    expect(parseVaultTimeout('1500ms')).toBe(1500);
    expect(parseVaultTimeout('2m')).toBe(120_000);
    expect(parseVaultTimeout('7')).toBe(7000);
    expect(parseVaultTimeout('1s')).toBe(5000);
    expect(parseVaultTimeout('soon')).toBe(5000);
  });
});

describe('VaultRoleSecretStore', () => {
  it('writes pending to its own entry, then the seed path only on promote, with the seed body and headers', async () => {
    const store = new VaultRoleSecretStore(tokenClient(), 'dbsecrets/data/');
    const path = `dbsecrets/data/hoop_ro_${scope.host}`;
    await store.writePending(scope, secret('new-password-1'));
    expect(vault.kv.has(path), 'the seed path holds only a password that logged in').toBe(false);
    expect(vault.kv.get(`${path}${VAULT_PENDING_SUFFIX}`)).toEqual({ HOST: scope.host, PORT: '5432', USER: 'hoop_ro', PASSWORD: 'new-password-1', DB: 'postgres' });
    expect(await store.readCurrent(scope)).toBeUndefined();
    expect(await store.readPending(scope)).toEqual(secret('new-password-1'));

    const info = await store.promote(scope, secret('new-password-1'));
    expect(info).toEqual({ secrets_manager_provider: 'vault', secret_id: path, secret_keys: ['HOST', 'PORT', 'USER', 'PASSWORD', 'DB'] });
    expect(vault.kv.get(path)).toMatchObject({ PASSWORD: 'new-password-1', PORT: '5432' });
    expect(await store.readPending(scope)).toBeUndefined();
    expect(await store.read(path)).toEqual(secret('new-password-1'));
    const write = vault.requests.find((r) => r.method === 'POST' && r.path === path);
    expect(write).toMatchObject({ token: 'root-token', vaultRequest: 'true', body: { data: { HOST: scope.host, PORT: '5432', USER: 'hoop_ro', PASSWORD: 'new-password-1', DB: 'postgres' } } });
  });

  it('keeps the current entry when a new pending one is discarded', async () => {
    const store = new VaultRoleSecretStore(tokenClient(), 'keep/data/');
    await store.writePending(scope, secret('first'));
    await store.promote(scope, secret('first'));
    await store.writePending(scope, secret('second'));
    await store.discardPending(scope);
    expect((await store.readCurrent(scope))?.password).toBe('first');
    expect(await store.readPending(scope)).toBeUndefined();
  });

  it("fails a write with the product's message and Vault's reason, never the password", async () => {
    vault.failWrites = { match: /^denied\//, status: 403 };
    const store = new VaultRoleSecretStore(tokenClient(), 'denied/data/');
    const error = await store.writePending(scope, secret('never-shown-pw')).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/^Unable to create or update secret in Vault, reason=HTTP 403: 1 error occurred/);
    expect((error as Error).message).not.toContain('never-shown-pw');
  });

  it('logs in with AppRole, and again when the token is refused', async () => {
    const client = new VaultClient({ address: vault.url, auth: async () => ({ roleId: 'role-1', secretId: 'secret-1' }) });
    const store = new VaultRoleSecretStore(client, 'approle/data/');
    await store.writePending(scope, secret('approle-pw'));
    const logins = () => vault.requests.filter((r) => r.path === 'auth/approle/login');
    expect(logins()).toHaveLength(1);
    expect(logins()[0]?.body).toEqual({ role_id: 'role-1', secret_id: 'secret-1' });
    vault.tokens.clear();
    await store.promote(scope, secret('approle-pw'));
    expect(logins()).toHaveLength(2);
    expect(vault.kv.get(`approle/data/hoop_ro_${scope.host}`)?.PASSWORD).toBe('approle-pw');
  });

  it('reports a refused AppRole login and an unreachable Vault as store errors', async () => {
    const bad = new VaultRoleSecretStore(new VaultClient({ address: vault.url, auth: async () => ({ roleId: 'role-1', secretId: 'wrong' }) }), 'x/data/');
    await expect(bad.readCurrent(scope)).rejects.toThrow(/read "x\/data\/hoop_ro_.*" from Vault: AppRole login refused: HTTP 400: invalid role or secret ID/);
    const nowhere = new VaultRoleSecretStore(new VaultClient({ address: 'http://127.0.0.1:1', auth: async () => ({ token: 't' }) }), 'x/data/');
    await expect(nowhere.writePending(scope, secret('pw-unreachable'))).rejects.toThrow(/Unable to create or update secret in Vault, reason=cannot reach Vault at http:\/\/127\.0\.0\.1:1: ECONNREFUSED/);
  });

  it('gives up on a Vault that does not answer within VAULT_HTTP_REQ_TIMEOUT', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    try {
      const client = new VaultClient({ address: `http://127.0.0.1:${(silent.address() as { port: number }).port}`, auth: async () => ({ token: 't' }), timeoutMs: 300 });
      const started = Date.now();
      await expect(new VaultRoleSecretStore(client, 'x/data/').readCurrent(scope)).rejects.toThrow(/no answer from Vault at .* within 300 ms/);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it('verifies Vault\'s certificate against VAULT_CACERT, and refuses it without', async () => {
    // A self-signed certificate made for these tests only (test/fixtures/vault-tls).
    const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/vault-tls/${name}`, import.meta.url), 'utf8');
    const tls = createHttpsServer({ cert: fixture('test-only-cert.pem'), key: fixture('test-only-key.pem') }, (req, res) => {
      res.writeHead(req.headers['x-vault-token'] === 'tls-token' ? 404 : 403, { 'content-type': 'application/json' });
      res.end('{"errors":[]}');
    });
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', () => r()));
    try {
      const address = `https://127.0.0.1:${(tls.address() as { port: number }).port}`;
      const trusted = new VaultClient({ address, auth: async () => ({ token: 'tls-token' }), caCert: fixture('test-only-cert.pem') });
      expect(await new VaultRoleSecretStore(trusted, 'x/data/').readCurrent(scope)).toBeUndefined();
      const untrusted = new VaultClient({ address, auth: async () => ({ token: 'tls-token' }) });
      await expect(new VaultRoleSecretStore(untrusted, 'x/data/').readCurrent(scope)).rejects.toThrow(/cannot reach Vault at https:\/\/127\.0\.0\.1:\d+: DEPTH_ZERO_SELF_SIGNED_CERT/);
    } finally {
      tls.close();
    }
  });
});
