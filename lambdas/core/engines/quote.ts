import pg from 'pg';
import mysql from 'mysql2';
import { DbrolesError } from '../errors.ts';

/** Identifiers come from customer databases: anyone with CREATE can pick a hostile name. */
function refuseNul(name: string): string {
  if (name.includes('\0')) throw new DbrolesError(`identifier ${JSON.stringify(name)} contains a NUL byte`);
  return name;
}

/** PostgreSQL identifier, quoted by the `pg` driver ("" doubles an embedded quote). */
export function quotePgIdent(name: string): string {
  return pg.escapeIdentifier(refuseNul(name));
}

/** PostgreSQL string literal, by the `pg` driver (E'' form when a backslash is present). */
export function quotePgLiteral(value: string): string {
  return pg.escapeLiteral(refuseNul(value));
}

/** MySQL identifier in backticks, by the `mysql2` driver (`` doubles an embedded backtick). */
export function quoteMysqlIdent(name: string): string {
  return mysql.escapeId(refuseNul(name), true);
}

/** MySQL string literal, by the `mysql2` driver. */
export function quoteMysqlLiteral(value: string): string {
  return mysql.escape(refuseNul(value));
}

/**
 * A database name as a GRANT target (`db`.*). In GRANT, `_` and `%` in a database name are
 * wildcards, so `a_b` would also match `axb`: escape them (and the escape character itself).
 * https://dev.mysql.com/doc/refman/8.0/en/grant.html#grant-quoting
 */
export function quoteMysqlGrantDatabase(name: string): string {
  return quoteMysqlIdent(refuseNul(name).replace(/[\\_%]/g, (c) => `\\${c}`));
}

/** SQL Server identifier in brackets, as QUOTENAME does: `]` doubles. */
export function quoteMssqlIdent(name: string): string {
  refuseNul(name);
  if (name.length > 128) throw new DbrolesError(`identifier "${name.slice(0, 20)}…" is longer than 128 characters`);
  return `[${name.replace(/]/g, ']]')}]`;
}

/** SQL Server Unicode string literal: N'…' with `'` doubled. */
export function quoteMssqlLiteral(value: string): string {
  return `N'${refuseNul(value).replace(/'/g, "''")}'`;
}
