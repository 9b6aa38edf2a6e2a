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

/** What an RDS MySQL master holds: no SUPER, every privilege WITH GRANT OPTION. */
const RDS_LIKE_MASTER_PRIVILEGES =
  'SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, PROCESS, REFERENCES, INDEX, ALTER, SHOW DATABASES, ' +
  'CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION SLAVE, REPLICATION CLIENT, CREATE VIEW, SHOW VIEW, ' +
  'CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, TRIGGER';

export async function createRdsLikeMaster(root: MysqlLogin, name: string, password: string): Promise<void> {
  await mysqlRun(root, [
    `CREATE USER ${mysql.escape(name)}@'%' IDENTIFIED BY ${mysql.escape(password)}`,
    `GRANT ${RDS_LIKE_MASTER_PRIVILEGES} ON *.* TO ${mysql.escape(name)}@'%' WITH GRANT OPTION`,
  ]);
}

