import mysql from 'mysql2/promise';
import type { Attempt } from './pg.ts';

export interface MysqlLogin {
  host: string;
  port: number;
  user: string;
  password?: string;
  database?: string;
}

export async function mysqlRun(login: MysqlLogin, statements: ReadonlyArray<string>): Promise<void> {
  const conn = await mysql.createConnection(login);
  try {
    for (const s of statements) await conn.query(s);
  } finally {
    await conn.end();
  }
}

/** Logs in and runs the statements; returns the first failure's errno as a string, if any. */
export async function mysqlTry(login: MysqlLogin, statements: ReadonlyArray<string>): Promise<Attempt> {
  let conn: mysql.Connection | undefined;
  try {
    conn = await mysql.createConnection(login);
    for (const s of statements) await conn.query(s);
    return { ok: true };
  } catch (error) {
    const e = error as { errno?: number; message: string };
    return { ok: false, code: String(e.errno ?? 'unknown'), message: e.message };
  } finally {
    await conn?.end().catch(() => undefined);
  }
}
