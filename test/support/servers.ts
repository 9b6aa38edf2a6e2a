import { randomBytes } from 'node:crypto';

/** The local servers the integration tests use; override with env vars to point elsewhere. */
export const PG_HOST = process.env.PGHOST_TEST ?? '127.0.0.1';
export const PG_PORT = Number(process.env.PGPORT_TEST ?? 5432);
export const PG_SUPERUSER = process.env.PGUSER_TEST ?? 'postgres';
export const MYSQL_HOST = process.env.MYSQL_HOST_TEST ?? '127.0.0.1';
export const MYSQL_PORT = Number(process.env.MYSQL_PORT_TEST ?? 3306);
export const MYSQL_ROOT = process.env.MYSQL_USER_TEST ?? 'root';
export const MYSQL_ROOT_PASSWORD = process.env.MYSQL_PASSWORD_TEST ?? '';

/** A short random suffix so parallel test files never share a database or a user. */
export function suffix(): string {
  return randomBytes(3).toString('hex');
}
