import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>/<name>.git` */
  readonly url: string;
  /** Requests that reached git, and those refused for auth. */
  readonly log: Array<{ path: string; status: number }>;
  stop(): Promise<void>;
}

/**
 * A git repository served over smart HTTP by `git http-backend` behind node:http, as a git host
 * would serve it. With `token`, every request needs basic auth whose password is the token.
 */
export async function startGitHttpServer(options: { files: Record<string, string>; branch?: string; token?: string }): Promise<GitHttpServer> {
  const root = await mkdtemp(join(tmpdir(), 'dbroles-git-'));
  const work = join(root, 'work');
  const branch = options.branch ?? 'main';
  await mkdir(work);
  for (const [path, content] of Object.entries(options.files)) {
    await mkdir(dirname(join(work, path)), { recursive: true });
    await writeFile(join(work, path), content);
  }
  const git = (args: string[], cwd: string) =>
    run('git', ['-c', 'user.name=dbroles-test', '-c', 'user.email=test@dbroles.invalid', '-c', 'init.defaultBranch=main', ...args], { cwd });
  await git(['init', '-q', '-b', branch], work);
  await git(['add', '-A'], work);
  await git(['commit', '-q', '-m', 'runbooks'], work);
  await git(['clone', '-q', '--bare', work, join(root, 'runbooks.git')], root);

  const log: GitHttpServer['log'] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://git');
    if (options.token) {
      const given = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const password = given ? Buffer.from(given, 'base64').toString('utf8').split(':').slice(1).join(':') : undefined;
      if (password !== options.token) {
        log.push({ path: url.pathname, status: 401 });
        res.writeHead(401, { 'www-authenticate': 'Basic realm="runbooks"' });
        res.end();
        return;
      }
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const cgi = spawn('git', ['http-backend'], {
        env: {
          PATH: process.env.PATH,
          GIT_PROJECT_ROOT: root,
          GIT_HTTP_EXPORT_ALL: '1',
          PATH_INFO: url.pathname,
          QUERY_STRING: url.search.slice(1),
          REQUEST_METHOD: req.method ?? 'GET',
          CONTENT_TYPE: req.headers['content-type'] ?? '',
          CONTENT_LENGTH: String(body.length),
          ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
        },
      });
      const out: Buffer[] = [];
      cgi.stdout.on('data', (c: Buffer) => out.push(c));
      cgi.on('close', () => {
        const all = Buffer.concat(out);
        const split = all.indexOf('\r\n\r\n');
        const head = all.subarray(0, split).toString('utf8');
        const headers: Record<string, string> = {};
        let status = 200;
        for (const line of head.split('\r\n')) {
          const [name, ...rest] = line.split(':');
          const value = rest.join(':').trim();
          if (name?.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
          else if (name) headers[name] = value;
        }
        log.push({ path: url.pathname, status });
        res.writeHead(status, headers);
        res.end(all.subarray(split + 4));
      });
      cgi.stdin.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/runbooks.git`,
    log,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    },
  };
}
