import type { Statement } from '../statement.ts';
import type { RoleTier } from '../types.ts';
import { quoteMysqlGrantDatabase, quoteMysqlIdent, quoteMysqlLiteral } from './quote.ts';

/**
 * Privileges per tier on `db`.* (DESIGN.md, "Privileges"), from a closed list. Never `*.*`: global
 * grants would reach `mysql.user` (password hashes).
 */
export const DATABASE_PRIVILEGES: Record<RoleTier, string> = {
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

/** Whether `'name'@'%'` exists, from mysql.user (a warning count can be hidden by sql_notes=0). Uses one parameter: the name. */
export const selectAccountExists = "SELECT COUNT(*) AS n FROM mysql.user WHERE User = ? AND Host = '%'";

/** Every grant an account (or a role: host null on MariaDB) holds, including the roles granted to it. */
export function showGrants(name: string, host: string | null = '%'): string {
  return `SHOW GRANTS FOR ${quoteMysqlLiteral(name)}${host === null ? '' : `@${quoteMysqlLiteral(host)}`}`;
}

const SYSTEM_SCHEMA_GRANT = new RegExp(`\\bON\\s+[\`'"]?(${SYSTEM_SCHEMAS.join('|')})[\`'"]?\\.`, 'i');

/** One line of SHOW GRANTS, read: what it gives beyond a tier's grants, and the roles it grants. */
export function readGrantLine(line: string): { excess?: string; roles: Array<{ name: string; host: string | null }> } {
  if (/WITH\s+GRANT\s+OPTION/i.test(line)) return { excess: 'GRANT OPTION', roles: [] };
  const on = /^GRANT\s+(.+?)\s+ON\s+(\S+)\s+TO\s/i.exec(line);
  if (on) {
    const [, privileges = '', object = ''] = on;
    if (/^PROXY$/i.test(privileges)) return { excess: 'PROXY', roles: [] };
    if (object === '*.*' && !/^USAGE$/i.test(privileges)) return { excess: `global privileges (${privileges} ON *.*)`, roles: [] };
    const system = SYSTEM_SCHEMA_GRANT.exec(line);
    if (system) return { excess: `privileges on the system schema ${system[1]} (${privileges})`, roles: [] };
    return { roles: [] };
  }
  // A role grant has no ON: GRANT `role`[@`host`], ... TO `user`@`host`
  const granted = /^GRANT\s+(.+?)\s+TO\s/i.exec(line)?.[1] ?? '';
  const roles = granted
    .split(/\s*,\s*/)
    .map((r) => /^[`'"]([^`'"]+)[`'"](?:@[`'"]([^`'"]*)[`'"])?$/.exec(r))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[1] ?? '', host: m[2] ?? null }));
  return { roles };
}

/** Creates the account when missing; when it exists the server only warns and changes nothing. */
export function createUserIfMissing(name: string, password: string): Statement {
  return { text: `CREATE USER IF NOT EXISTS ${account(name)} IDENTIFIED BY ${quoteMysqlLiteral(password)}`, secret: true };
}

/**
 * An IAM-authenticated account (RDS MySQL and Aurora MySQL; RDS MariaDB takes the same SQL): a token,
 * sent in clear text, so TLS is required. Created when missing, else switched to it (its password goes).
 */
export function iamUser(name: string, existing: boolean): Statement {
  return { text: `${existing ? 'ALTER USER' : 'CREATE USER IF NOT EXISTS'} ${account(name)} IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS' REQUIRE SSL` };
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

/**
 * The privileges an account holds on one database (its grant names the database as written, so
 * both the escaped and the literal spelling are asked). Parameters: the grantee, the two spellings.
 */
export const selectDatabasePrivileges = `SELECT PRIVILEGE_TYPE AS privilege FROM information_schema.SCHEMA_PRIVILEGES
  WHERE GRANTEE = ? AND TABLE_SCHEMA IN (?, ?)`;

/** The grantee as information_schema spells it: 'name'@'%'. */
export function grantee(name: string): string {
  return `'${name.replaceAll("'", "''")}'@'%'`;
}

/** Whether the privileges read cover the tier's grant on a database. */
export function holdsTier(tier: RoleTier, held: ReadonlyArray<string>): boolean {
  return DATABASE_PRIVILEGES[tier].split(', ').every((p) => held.includes(p));
}

export const selectCurrentAccount = 'SELECT CURRENT_USER() AS account';

/**
 * The master's own password, on its account named explicitly: MariaDB 10.11 accepts
 * `ALTER USER CURRENT_USER() IDENTIFIED BY` without changing anything (seen here).
 */
export function changeOwnPassword(user: string, host: string, password: string): Statement {
  return { text: `ALTER USER ${quoteMysqlLiteral(user)}@${quoteMysqlLiteral(host)} IDENTIFIED BY ${quoteMysqlLiteral(password)}`, secret: true };
}
