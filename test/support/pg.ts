import pg from 'pg';

export interface PgLogin {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
}

/** Runs statements one by one on a fresh connection. */
export async function pgRun(login: PgLogin, statements: ReadonlyArray<string>): Promise<void> {
  const client = new pg.Client(login);
  await client.connect();
  try {
    for (const s of statements) await client.query(s);
  } finally {
    await client.end();
  }
}

export async function pgQuery<R extends pg.QueryResultRow>(login: PgLogin, text: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client(login);
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** Outcome of trying SQL as some user: allowed, or denied with the SQLSTATE. */
export type Attempt = { ok: true } | { ok: false; code: string; message: string };

/** Logs in and runs the statements; returns the first failure's SQLSTATE, if any. */
export async function pgTry(login: PgLogin, statements: ReadonlyArray<string>): Promise<Attempt> {
  const client = new pg.Client(login);
  client.on('error', () => undefined);
  try {
    await client.connect();
    for (const s of statements) await client.query(s);
    return { ok: true };
  } catch (error) {
    const e = error as { code?: string; message: string };
    return { ok: false, code: e.code ?? 'unknown', message: e.message };
  } finally {
    await client.end().catch(() => undefined);
  }
}
