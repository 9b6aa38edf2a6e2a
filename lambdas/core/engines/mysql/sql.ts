import type { Statement } from '../statement.ts';
import type { RoleTier } from '../types.ts';
import { quoteMysqlGrantDatabase, quoteMysqlIdent, quoteMysqlLiteral } from '../quote.ts';

/**
 * Privileges per tier on `db`.* (DESIGN.md, "Privileges"), from a closed list. Never `*.*`: global
 * grants would reach `mysql.user` (password hashes).
 */
const DATABASE_PRIVILEGES: Record<RoleTier, string> = {
  ro: 'SELECT, SHOW VIEW',
  rw: 'SELECT, SHOW VIEW, INSERT, UPDATE, DELETE',
  ddl: 'SELECT, SHOW VIEW, INSERT, UPDATE, DELETE, CREATE, ALTER, DROP, INDEX, REFERENCES, CREATE VIEW, TRIGGER',
};

/** Schemas that belong to the server (and RDS's `rdsadmin`), never to an application. */
export const SYSTEM_SCHEMAS = ['mysql', 'sys', 'performance_schema', 'information_schema', 'rdsadmin'] as const;

export const selectServerInfo = 'SELECT VERSION() AS version';

/** Empty on MariaDB, which has no such variable. */
export const selectPartialRevokes = "SHOW VARIABLES LIKE 'partial_revokes'";

export const selectDatabases = `SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA
  WHERE SCHEMA_NAME NOT IN (${SYSTEM_SCHEMAS.map(quoteMysqlLiteral).join(', ')}) ORDER BY SCHEMA_NAME`;

/** dbroles' accounts are `'name'@'%'`; other host variants of the same name are left alone. */
export function account(name: string): string {
  return `${quoteMysqlLiteral(name)}@'%'`;
}

/** Creates the account when missing; when it exists the server only warns and changes nothing. */
export function createUserIfMissing(name: string, password: string): Statement {
  return { text: `CREATE USER IF NOT EXISTS ${account(name)} IDENTIFIED BY ${quoteMysqlLiteral(password)}`, secret: true };
}

/** Changes only the password: grants, limits and attributes stay (never DROP USER + CREATE). */
export function changePassword(name: string, password: string): Statement {
  return { text: `ALTER USER ${account(name)} IDENTIFIED BY ${quoteMysqlLiteral(password)}`, secret: true };
}

/**
 * The tier's grant on one database. `escapeWildcards` is false only when MySQL's partial_revokes
 * is ON: the server then takes `_` and `%` in GRANT literally, and an escape would name another database.
 */
export function grantOnDatabase(tier: RoleTier, database: string, user: string, escapeWildcards: boolean): Statement {
  const target = escapeWildcards ? quoteMysqlGrantDatabase(database) : quoteMysqlIdent(database);
  return { text: `GRANT ${DATABASE_PRIVILEGES[tier]} ON ${target}.* TO ${account(user)}` };
}

export const selectCurrentAccount = 'SELECT CURRENT_USER() AS account';

/**
 * The master's own password, on its account named explicitly: MariaDB 10.11 accepts
 * `ALTER USER CURRENT_USER() IDENTIFIED BY` without changing anything (seen here).
 */
export function changeOwnPassword(user: string, host: string, password: string): Statement {
  return { text: `ALTER USER ${quoteMysqlLiteral(user)}@${quoteMysqlLiteral(host)} IDENTIFIED BY ${quoteMysqlLiteral(password)}`, secret: true };
}
