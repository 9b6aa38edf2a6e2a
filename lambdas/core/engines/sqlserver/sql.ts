import type { Statement } from '../statement.ts';
import type { RoleTier } from '../types.ts';
import { quoteMssqlIdent as ident, quoteMssqlLiteral as literal } from './quote.ts';

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

/**
 * Uses the @name parameter. What an existing login holds beyond any tier: CONTROL SERVER (granted
 * or with grant option), and every server role it is a member of (public is implicit, never listed).
 */
export const selectLogin = `SELECT p.name,
  CASE WHEN EXISTS (SELECT 1 FROM sys.server_permissions sp WHERE sp.grantee_principal_id = p.principal_id
    AND sp.permission_name = N'CONTROL SERVER' AND sp.state IN (N'G', N'W')) THEN 1 ELSE 0 END AS control_server,
  ISNULL(STUFF((SELECT N',' + r.name FROM sys.server_role_members m
    JOIN sys.server_principals r ON r.principal_id = m.role_principal_id
    WHERE m.member_principal_id = p.principal_id FOR XML PATH(N'')), 1, 1, N''), N'') AS server_roles
FROM sys.server_principals p WHERE p.name = @name AND p.type = N'S'`;

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
    // Re-linking would hand a database owner (or a grantor of permissions) out as this tier.
    `  IF IS_ROLEMEMBER(N'db_owner', @name) = 1 OR IS_ROLEMEMBER(N'db_securityadmin', @name) = 1`,
    `  BEGIN`,
    `    DECLARE @refused nvarchar(400) = CONCAT(N'user ', QUOTENAME(@name), N' in database ', QUOTENAME(DB_NAME()), N' is a member of db_owner or db_securityadmin; refusing to hand it out as the ${tier} user: remove it from those roles or choose another --prefix');`,
    `    THROW 50001, @refused, 1;`,
    `  END;`,
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
