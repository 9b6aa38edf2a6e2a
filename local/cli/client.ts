import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DbrolesError, UsageError } from '../../lambdas/core/errors.ts';
import type { Job } from '../../lambdas/core/job.ts';
import { DEFAULT_DATA_DIR, DEFAULT_PORT } from '../defaults.ts';

export interface ClientOptions {
  readonly url?: string;
  readonly token?: string;
  readonly dataDir?: string;
}

/** A client of a running dbroles server. URL and token: flags, then DBROLES_URL/DBROLES_TOKEN, then the data dir. */
export class DbrolesClient {
  private constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  static async resolve(options: ClientOptions): Promise<DbrolesClient> {
    const url = (options.url ?? process.env.DBROLES_URL ?? `http://127.0.0.1:${process.env.PORT ?? DEFAULT_PORT}`).replace(/\/$/, '');
    let token = options.token ?? process.env.DBROLES_TOKEN;
    if (!token) {
      const file = join(options.dataDir ?? process.env.DBROLES_DATA_DIR ?? DEFAULT_DATA_DIR, 'token');
      token = (await readFile(file, 'utf8').catch(() => '')).trim();
      if (!token) throw new UsageError(`no token: pass --token, set DBROLES_TOKEN, or run where ${file} exists (dbroles serve writes it)`);
    }
    return new DbrolesClient(url, token);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new DbrolesError(`cannot reach the dbroles server at ${this.url} (${(error as Error).cause ?? (error as Error).message}); is "dbroles serve" running?`);
    }
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) {
      const message = (parsed as { message?: string } | undefined)?.message ?? response.statusText;
      if (response.status >= 400 && response.status < 500) throw new UsageError(`${response.status}: ${message}`);
      throw new DbrolesError(`${response.status}: ${message}`);
    }
    return parsed as T;
  }

  getJob(id: string): Promise<Job> {
    return this.request<Job>('GET', `/api/dbroles/jobs/${encodeURIComponent(id)}`);
  }
}
