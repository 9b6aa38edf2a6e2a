import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { DbrolesError } from '../errors.ts';

/** The one file the hook runs, as in the product we replace. */
export const RUNBOOK_HOOK_PATH = 'hoop-hooks/aws-connect-post-exec.runbook.py';
/** The most of the script read, as in the product we replace (1 MB). */
export const RUNBOOK_MAX_BYTES = 1024 * 1024;

/** A runbook source that is configured but could not be read (bad URL, refused credentials). Its message holds no token. */
export class RunbookSourceError extends DbrolesError {}

/** Where the hook script comes from. `undefined` when the source holds no hook file (no hook runs). */
export interface RunbookSource {
  /** Describes the source for messages, without credentials. */
  readonly description: string;
  fetchHook(): Promise<string | undefined>;
}

async function readCapped(path: string): Promise<string | undefined> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (size > RUNBOOK_MAX_BYTES) throw new RunbookSourceError(`${RUNBOOK_HOOK_PATH} is ${size} bytes, over the ${RUNBOOK_MAX_BYTES}-byte limit`);
  return readFile(path, 'utf8');
}

/** `DBROLES_RUNBOOKS_DIR`: a folder on the local runtime's machine. */
export class DirRunbookSource implements RunbookSource {
  readonly description: string;

  constructor(private readonly dir: string) {
    this.description = `folder ${dir}`;
  }

  async fetchHook(): Promise<string | undefined> {
    try {
      await stat(this.dir);
    } catch {
      throw new RunbookSourceError(`runbook folder ${this.dir} cannot be read; check DBROLES_RUNBOOKS_DIR`);
    }
    return readCapped(join(this.dir, RUNBOOK_HOOK_PATH));
  }
}

export interface GitRunbookSourceOptions {
  readonly url: string;
  /** @default the repository's default branch */
  readonly branch?: string;
  /** Resolved at fetch time: from the environment locally, from Secrets Manager when deployed. A secret. */
  readonly token?: () => Promise<string | undefined>;
  /** @default 30 s */
  readonly timeoutMs?: number;
}

/** The URL as it may be shown: without any user or password in it. */
function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(an invalid URL)';
  }
}

/**
 * `DBROLES_RUNBOOKS_GIT_URL` (+ `_BRANCH`, `_TOKEN`): a shallow, single-branch clone over HTTPS
 * with isomorphic-git (Lambda has no git binary) into a fresh temporary folder, removed after.
 * The token goes as HTTP basic auth (user `x-access-token`), which GitHub, GitLab and Gitea accept.
 */
export class GitRunbookSource implements RunbookSource {
  readonly description: string;

  constructor(private readonly options: GitRunbookSourceOptions) {
    this.description = `git repository ${shownUrl(options.url)}${options.branch ? ` (branch ${options.branch})` : ''}`;
  }

  async fetchHook(): Promise<string | undefined> {
    const dir = await mkdtemp(join(tmpdir(), 'dbroles-runbooks-'));
    try {
      const token = await this.options.token?.();
      let refused = false;
      const clone = git.clone({
        fs,
        http,
        dir,
        url: this.options.url,
        ref: this.options.branch,
        singleBranch: true,
        depth: 1,
        noTags: true,
        onAuth: () => (token ? { username: 'x-access-token', password: token } : { cancel: true }),
        onAuthFailure: () => {
          refused = true;
          return { cancel: true };
        },
      });
      const timeoutMs = this.options.timeoutMs ?? 30_000;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RunbookSourceError(`no answer from ${this.description} within ${timeoutMs / 1000} s`)), timeoutMs);
      });
      try {
        await Promise.race([clone, timeout]);
      } catch (error) {
        if (error instanceof RunbookSourceError) throw error;
        const e = error as { code?: string; message?: string; data?: { statusCode?: number } };
        const why =
          refused || e.code === 'UserCanceledError' || e.data?.statusCode === 401 || e.data?.statusCode === 403
            ? token
              ? 'authentication refused: check DBROLES_RUNBOOKS_GIT_TOKEN'
              : 'authentication required: set DBROLES_RUNBOOKS_GIT_TOKEN'
            : e.code === 'NotFoundError'
              ? `branch ${this.options.branch ?? '(default)'} not found`
              : `${e.code ?? 'error'}: ${(e.message ?? '').split('\n')[0]}`;
        throw new RunbookSourceError(`cannot fetch the runbooks from ${this.description}: ${why}`.replaceAll(token ?? '\u0000', 'REDACTED'), { cause: error });
      } finally {
        clearTimeout(timer);
      }
      return await readCapped(join(dir, RUNBOOK_HOOK_PATH));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
