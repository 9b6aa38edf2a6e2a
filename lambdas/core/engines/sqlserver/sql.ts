import type { Statement } from '../statement.ts';
import type { RoleTier } from '../types.ts';
import { quoteMssqlIdent as ident, quoteMssqlLiteral as literal } from '../quote.ts';

/** Fixed database roles per tier (DESIGN.md, "Privileges"). They cover every schema and future objects. */
export const TIER_ROLES: Record<RoleTier, ReadonlyArray<string>> = {
  ro: ['db_datareader'],
  rw: ['db_datareader', 'db_datawriter'],
  ddl: ['db_datareader', 'db_datawriter', 'db_ddladmin'],
};

/** Databases RDS or the server own; never provisioned. */
export const SYSTEM_DATABASES = ['master', 'model', 'msdb', 'tempdb', 'rdsadmin'] as const;

export const selectServerInfo = "SELECT @@VERSION AS version";

/** ONLINE user databases: offline, restoring or recovering ones would fail every statement. */
export const selectDatabases = `SELECT name FROM sys.databases
WHERE state_desc = N'ONLINE' AND name NOT IN (${SYSTEM_DATABASES.map(literal).join(', ')})
ORDER BY name`;

/** Uses the @name parameter. A login that is sysadmin or securityadmin would be more than any tier. */
export const selectLogin = `SELECT name, IS_SRVROLEMEMBER(N'sysadmin', name) AS sysadmin,
  IS_SRVROLEMEMBER(N'securityadmin', name) AS securityadmin
FROM sys.server_principals WHERE name = @name AND type = N'S'`;

/** A new SQL login. The password must meet CHECK_POLICY; generated passwords hold three character classes. */
export function createLogin(name: string, password: string): Statement {
  return {
    text: `CREATE LOGIN ${ident(name)} WITH PASSWORD = ${literal(password)}, DEFAULT_DATABASE = [master], CHECK_EXPIRATION = OFF, CHECK_POLICY = ON`,
    secret: true,
  };
}

/** Changes only the password of an existing login; its server roles and mappings stay. */
export function changePassword(name: string, password: string): Statement {
  return { text: `ALTER LOGIN ${ident(name)} WITH PASSWORD = ${literal(password)}`, secret: true };
}

/**
 * One batch for one database, run with the @name parameter: map the login to a user (creating it
 * when missing, re-linking an orphaned one after a restore) and add it to the tier's roles.
 * ADD MEMBER on a member is a no-op, so the batch is idempotent.
 */
export function userInDatabase(database: string, name: string, tier: RoleTier): Statement {
  const user = ident(name);
  const lines = [
    `USE ${ident(database)};`,
    `IF NOT EXISTS (SELECT 1 FROM sys.database_principals WHERE name = @name)`,
    `BEGIN`,
    `  CREATE USER ${user} FOR LOGIN ${user};`,
    `END`,
    `ELSE`,
    `BEGIN`,
    `  ALTER USER ${user} WITH LOGIN = ${user};`,
    `END;`,
    ...TIER_ROLES[tier].map((role) => `ALTER ROLE ${ident(role)} ADD MEMBER ${user};`),
  ];
  return { text: lines.join('\n') };
}

/** The master's own password; SQL Server wants the old one when a login changes its own. */
export function changeOwnPassword(login: string, oldPassword: string, newPassword: string): Statement {
  return { text: `ALTER LOGIN ${ident(login)} WITH PASSWORD = ${literal(newPassword)} OLD_PASSWORD = ${literal(oldPassword)}`, secret: true };
}
