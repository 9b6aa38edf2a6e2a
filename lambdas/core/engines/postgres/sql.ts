import type { Statement } from '../statement.ts';
import type { RoleTier } from '../types.ts';
import { quotePgIdent as ident, quotePgLiteral as literal } from './quote.ts';

/** Privileges per tier, from a closed list (DESIGN.md, "Privileges"). Never built from input. */
const TABLE_PRIVILEGES: Record<RoleTier, string> = {
  ro: 'SELECT',
  rw: 'SELECT, INSERT, UPDATE, DELETE',
  ddl: 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER',
};
const SEQUENCE_PRIVILEGES: Record<RoleTier, string> = {
  ro: 'SELECT',
  rw: 'USAGE, SELECT',
  ddl: 'USAGE, SELECT',
};
const SCHEMA_PRIVILEGES: Record<RoleTier, string> = {
  ro: 'USAGE',
  rw: 'USAGE',
  ddl: 'USAGE, CREATE',
};

/** Serializes grant batches in one database: concurrent GRANTs on one object fail with "tuple concurrently updated". */
export const GRANT_LOCK_KEY = 'dbroles.grants';

/** Attributes that would give a user more than its tier; an existing user holding one is refused. */
export const selectRoleAttributes = `SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls
  FROM pg_catalog.pg_roles WHERE rolname = $1`;

/**
 * Roles a user is a member of, directly or not, that give more than any tier: the master itself,
 * RDS's rds_superuser, predefined roles that reach all data or the server, and any role with a
 * forbidden attribute. Uses $1 (the user). Each row names the role and why.
 */
export const selectForbiddenMemberships = `WITH RECURSIVE member_of(oid) AS (
    SELECT m.roleid FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles u ON u.oid = m.member WHERE u.rolname = $1
  UNION
    SELECT m.roleid FROM pg_catalog.pg_auth_members m JOIN member_of ON m.member = member_of.oid
)
SELECT r.rolname AS role,
  CASE
    WHEN r.rolname = current_user THEN 'the master itself'
    WHEN r.rolname = 'rds_superuser' THEN 'RDS superuser'
    WHEN r.rolname IN ('pg_read_all_data', 'pg_write_all_data', 'pg_read_server_files', 'pg_write_server_files',
      'pg_execute_server_program', 'pg_signal_backend', 'pg_maintain', 'pg_create_subscription', 'pg_checkpoint')
      THEN 'a predefined role that reaches beyond the granted schemas'
    WHEN r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls THEN 'a role with SUPERUSER, CREATEROLE, CREATEDB, REPLICATION or BYPASSRLS'
  END AS why
FROM member_of JOIN pg_catalog.pg_roles r ON r.oid = member_of.oid
WHERE r.rolname = current_user OR r.rolname = 'rds_superuser'
  OR r.rolname IN ('pg_read_all_data', 'pg_write_all_data', 'pg_read_server_files', 'pg_write_server_files',
    'pg_execute_server_program', 'pg_signal_backend', 'pg_maintain', 'pg_create_subscription', 'pg_checkpoint')
  OR r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls
ORDER BY r.rolname`;

export const selectServerInfo = `SELECT current_setting('server_version_num')::int AS version_num,
  version() AS version, current_user AS current_user,
  (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) AS is_superuser`;

/**
 * Connection slots free for ordinary users now: max_connections less the reserved ones (superuser,
 * and PostgreSQL 16's reserved_connections) less the client backends already connected.
 */
export const selectFreeConnectionSlots = `SELECT current_setting('max_connections')::int
  - current_setting('superuser_reserved_connections')::int
  - coalesce(nullif(current_setting('reserved_connections', true), '')::int, 0)
  - (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type = 'client backend')::int AS free`;

/** Connectable, non-template databases; `rdsadmin` is RDS's own and refuses connections. */
export const selectDatabases = `SELECT datname FROM pg_catalog.pg_database
  WHERE datallowconn AND NOT datistemplate AND datname <> 'rdsadmin' ORDER BY datname`;

/**
 * Application schemas, from pg_namespace (information_schema.schemata hides schemas the current
 * user cannot use). `grantable` is false for schemas owned by a role the master is not a member of:
 * a GRANT there would be refused.
 */
export const selectSchemas = `SELECT nspname AS name, pg_catalog.pg_has_role(current_user, nspowner, 'MEMBER') AS grantable
  FROM pg_catalog.pg_namespace
  WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
    AND nspname NOT LIKE 'pg\\_temp\\_%' AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
  ORDER BY nspname`;

/**
 * Schemas where PUBLIC (every role, hoop_ro included) may CREATE: decided by the privilege, not by
 * the version (PostgreSQL 14 and older grant it on `public` by default; anyone may grant it).
 */
export const selectPublicCreateSchemas = `SELECT n.nspname AS name FROM pg_catalog.pg_namespace n,
  LATERAL pg_catalog.aclexplode(COALESCE(n.nspacl, pg_catalog.acldefault('n', n.nspowner))) a
  WHERE a.grantee = 0 AND a.privilege_type = 'CREATE' ORDER BY n.nspname`;

/** The opt-in hardening: nobody but those granted it explicitly may create objects in `public`. */
export const revokePublicCreate: Statement = { text: 'REVOKE CREATE ON SCHEMA public FROM PUBLIC' };

/** Which of the given roles exist and whether the master may act for them (ALTER DEFAULT PRIVILEGES FOR ROLE). */
export const selectPeerRoles = `SELECT rolname AS name, pg_catalog.pg_has_role(current_user, oid, 'MEMBER') AS member
  FROM pg_catalog.pg_roles WHERE rolname = ANY($1::text[])`;

export function beginLocked(): Statement[] {
  return [{ text: 'BEGIN' }, { text: `SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext(${literal(GRANT_LOCK_KEY)}))` }];
}

/** CREATE ROLE for a new user: a login with no attribute beyond it. `verifier` is a SCRAM verifier, never the password. */
export function createUser(name: string, verifier: string): Statement {
  return {
    text: `CREATE ROLE ${ident(name)} WITH LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${literal(verifier)}`,
    secret: true,
  };
}

/** Password change for an existing user. Touches nothing else: grants and memberships stay. */
export function changePassword(name: string, verifier: string): Statement {
  return { text: `ALTER ROLE ${ident(name)} WITH LOGIN PASSWORD ${literal(verifier)}`, secret: true };
}

/** The master's own password, as a verifier. */
export function changeOwnPassword(verifier: string): Statement {
  return { text: `ALTER ROLE CURRENT_USER WITH PASSWORD ${literal(verifier)}`, secret: true };
}

/** Defence in depth for ro: each transaction starts read-only, so TEMP/PUBLIC leftovers cannot be written through it. */
export function makeReadOnlyByDefault(name: string): Statement {
  return { text: `ALTER ROLE ${ident(name)} SET default_transaction_read_only = on` };
}

/** Makes the master a member of hoop_ddl, which ALTER DEFAULT PRIVILEGES FOR ROLE hoop_ddl requires. */
export function grantMembershipToMaster(role: string, master: string): Statement {
  return { text: `GRANT ${ident(role)} TO ${ident(master)}` };
}

export interface DatabaseGrantPlan {
  readonly database: string;
  readonly tier: RoleTier;
  readonly user: string;
  /** Schemas the master can grant on. */
  readonly schemas: ReadonlyArray<string>;
  /** Roles whose future objects this user must see (the master, and hoop_ddl when it exists). */
  readonly creators: ReadonlyArray<string>;
  /** For the ddl tier: peer users (ro, rw) that must see objects hoop_ddl creates later. */
  readonly readersOfDdlObjects?: ReadonlyArray<{ readonly tier: RoleTier; readonly user: string }>;
}

function defaultPrivileges(creators: ReadonlyArray<string>, grantee: string, tier: RoleTier, withSchemas: boolean): Statement[] {
  if (creators.length === 0) return [];
  const forRoles = `ALTER DEFAULT PRIVILEGES FOR ROLE ${creators.map(ident).join(', ')}`;
  const to = ident(grantee);
  const out: Statement[] = [
    { text: `${forRoles} GRANT ${TABLE_PRIVILEGES[tier]} ON TABLES TO ${to}` },
    { text: `${forRoles} GRANT ${SEQUENCE_PRIVILEGES[tier]} ON SEQUENCES TO ${to}` },
  ];
  if (withSchemas) out.push({ text: `${forRoles} GRANT ${SCHEMA_PRIVILEGES[tier]} ON SCHEMAS TO ${to}` });
  return out;
}

/**
 * Every grant of one tier in one database, for existing objects and objects created later by the
 * creators. Only GRANT statements: a rerun adds what is missing and removes nothing.
 */
export function grantsInDatabase(plan: DatabaseGrantPlan): Statement[] {
  const to = ident(plan.user);
  const out: Statement[] = [{ text: `GRANT CONNECT ON DATABASE ${ident(plan.database)} TO ${to}` }];
  if (plan.schemas.length > 0) {
    const schemas = plan.schemas.map(ident).join(', ');
    out.push(
      { text: `GRANT ${SCHEMA_PRIVILEGES[plan.tier]} ON SCHEMA ${schemas} TO ${to}` },
      { text: `GRANT ${TABLE_PRIVILEGES[plan.tier]} ON ALL TABLES IN SCHEMA ${schemas} TO ${to}` },
      { text: `GRANT ${SEQUENCE_PRIVILEGES[plan.tier]} ON ALL SEQUENCES IN SCHEMA ${schemas} TO ${to}` },
    );
  }
  // hoop_ddl owns what it creates, so it needs no default privileges for itself.
  const creators = plan.creators.filter((c) => c !== plan.user);
  out.push(...defaultPrivileges(creators, plan.user, plan.tier, true));
  for (const reader of plan.readersOfDdlObjects ?? []) {
    out.push(...defaultPrivileges([plan.user], reader.user, reader.tier, false));
  }
  return out;
}
