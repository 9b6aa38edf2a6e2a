import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Vault endpoints dbroles uses (no Vault binary installs here): KV v2
 * write (`POST /v1/<mount>/data/<path>`), read (`GET`), delete of the latest version (`DELETE`),
 * and AppRole login. Tokens are checked; every request is recorded (without its body's secrets
 * being interpreted) so tests can assert paths and headers.
 */
export interface FakeVault {
  readonly url: string;
  /** Latest live version of each KV path (the full path after /v1/), as written. */
  readonly kv: Map<string, Record<string, string>>;
  readonly requests: Array<{ method: string; path: string; token?: string; vaultRequest?: string; body?: unknown }>;
  /** Make writes to paths matching this fail with the status (Vault's `{"errors": [...]}` body). */
  failWrites: { match: RegExp; status: number } | undefined;
  /** Tokens accepted; AppRole logins issue new ones. */
  readonly tokens: Set<string>;
  stop(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

export async function startFakeVault(options: { token?: string; appRole?: { roleId: string; secretId: string } } = {}): Promise<FakeVault> {
  const kv = new Map<string, Record<string, string>>();
  const requests: FakeVault['requests'] = [];
  const tokens = new Set<string>(options.token ? [options.token] : []);
  let issued = 0;
  const state: { failWrites: FakeVault['failWrites'] } = { failWrites: undefined };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://vault').pathname.replace(/^\/v1\//, ''));
      const body = await readJson(req);
      const token = req.headers['x-vault-token'] as string | undefined;
      requests.push({ method: req.method ?? '', path, token, vaultRequest: req.headers['x-vault-request'] as string | undefined, body });
      const send = (status: number, value?: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(value === undefined ? '' : JSON.stringify(value));
      };
      if (path === 'auth/approle/login' && req.method === 'POST') {
        const login = body as { role_id?: string; secret_id?: string };
        if (!options.appRole || login.role_id !== options.appRole.roleId || login.secret_id !== options.appRole.secretId) return send(400, { errors: ['invalid role or secret ID'] });
        const issuedToken = `s.approle-${++issued}`;
        tokens.add(issuedToken);
        return send(200, { auth: { client_token: issuedToken, lease_duration: 3600 } });
      }
      if (!token || !tokens.has(token)) return send(403, { errors: ['permission denied'] });
      if (!/^[^/]+\/data\/.+/.test(path)) return send(404, { errors: [`no handler for route "${path}"`] });
      if (req.method === 'GET') {
        const data = kv.get(path);
        return data ? send(200, { data: { data, metadata: { version: 1 } } }) : send(404, { errors: [] });
      }
      if (req.method === 'POST' || req.method === 'PUT') {
        if (state.failWrites?.match.test(path)) return send(state.failWrites.status, { errors: ['1 error occurred:\n\t* permission denied\n\n'] });
        const data = (body as { data?: Record<string, string> } | undefined)?.data;
        if (!data) return send(400, { errors: ['no data provided'] });
        kv.set(path, data);
        return send(200, { data: { version: 1 } });
      }
      if (req.method === 'DELETE') {
        kv.delete(path);
        return send(204);
      }
      return send(405, { errors: ['unsupported operation'] });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    kv,
    requests,
    tokens,
    get failWrites() {
      return state.failWrites;
    },
    set failWrites(value) {
      state.failWrites = value;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
