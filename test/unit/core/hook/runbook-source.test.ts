import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirRunbookSource, GitRunbookSource, RUNBOOK_HOOK_PATH } from '../../../../lambdas/core/hook/runbook-source.ts';
import { startGitHttpServer, type GitHttpServer } from '../../../support/git-http-server.ts';

const SCRIPT = "print('hook from git')\n";
let open: GitHttpServer;
let guarded: GitHttpServer;
let empty: string;
beforeAll(async () => {
  [open, guarded] = await Promise.all([
    startGitHttpServer({ files: { [RUNBOOK_HOOK_PATH]: SCRIPT, 'README.md': 'runbooks' }, branch: 'runbooks' }),
    startGitHttpServer({ files: { [RUNBOOK_HOOK_PATH]: SCRIPT }, token: 'git-token-123' }),
  ]);
  empty = await mkdtemp(join(tmpdir(), 'dbroles-norunbooks-'));
});
afterAll(async () => {
  await Promise.all([open?.stop(), guarded?.stop(), rm(empty, { recursive: true, force: true })]);
});

describe('GitRunbookSource', () => {
  it('fetches the hook from a branch of a repository served over smart HTTP', async () => {
    expect(await new GitRunbookSource({ url: open.url, branch: 'runbooks' }).fetchHook()).toBe(SCRIPT);
  });

  it('sends the token, and says when it is missing or refused, never showing it', async () => {
    expect(await new GitRunbookSource({ url: guarded.url, token: async () => 'git-token-123' }).fetchHook()).toBe(SCRIPT);
    await expect(new GitRunbookSource({ url: guarded.url }).fetchHook()).rejects.toThrow(
      `cannot fetch the runbooks from git repository ${guarded.url}: authentication required: set DBROLES_RUNBOOKS_GIT_TOKEN`,
    );
    const refused = (await new GitRunbookSource({ url: guarded.url, token: async () => 'wrong-token' }).fetchHook().catch((e: Error) => e)) as Error;
    expect(refused.message).toMatch(/authentication refused: check DBROLES_RUNBOOKS_GIT_TOKEN$/);
    expect(refused.message).not.toContain('wrong-token');
  });

  it('reports an unreachable repository and a missing branch as source errors', async () => {
    await expect(new GitRunbookSource({ url: 'http://127.0.0.1:1/runbooks.git' }).fetchHook()).rejects.toThrow(/cannot fetch the runbooks from git repository http:\/\/127\.0\.0\.1:1\/runbooks\.git: .*ECONNREFUSED/);
    await expect(new GitRunbookSource({ url: open.url, branch: 'nope' }).fetchHook()).rejects.toThrow(/cannot fetch the runbooks from .*: /);
  });
});

describe('DirRunbookSource', () => {
  it('reads the hook from a folder, finds none in a folder without it, and refuses a missing folder', async () => {
    const fixtures = fileURLToPath(new URL('../../../fixtures/runbooks', import.meta.url));
    expect(await new DirRunbookSource(fixtures).fetchHook()).toMatch(/^import os, sys, time, json/);
    expect(await new DirRunbookSource(empty).fetchHook()).toBeUndefined();
    await expect(new DirRunbookSource(join(empty, 'missing')).fetchHook()).rejects.toThrow(/runbook folder .*missing cannot be read; check DBROLES_RUNBOOKS_DIR/);
  });
});
