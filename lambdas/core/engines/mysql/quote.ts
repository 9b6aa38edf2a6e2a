import mysql from 'mysql2';
import { refuseNul } from '../quote.ts';

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
