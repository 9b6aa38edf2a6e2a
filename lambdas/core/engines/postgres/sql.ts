import type { Statement } from '../statement.ts';
import type { RoleTier } from '../types.ts';
import { quotePgIdent as ident, quotePgLiteral as literal } from './quote.ts';

/** Privileges per tier, from a closed list (DESIGN.md, "Privileges"). Never built from input. */
export const TABLE_PRIVILEGES: Record<RoleTier, string> = {
  ro: 'SELECT',
  rw: 'SELECT, INSERT, UPDATE, DELETE',
  ddl: 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER',
};
export const SEQUENCE_PRIVILEGES: Record<RoleTier, string> = {
  ro: 'SELECT',
  rw: 'USAGE, SELECT',
  ddl: 'USAGE, SELECT',
};
export const SCHEMA_PRIVILEGES: Record<RoleTier, string> = {
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

/**
 * What the given roles already hold in this database, from the ACLs themselves (not has_*_privilege,
 * which counts PUBLIC and inherited rights): CONNECT, privileges on each schema, the number of
 * relations per schema and kind and how many of them carry each privilege for each role, and the
 * database-wide default privileges each creator gives each role. A privilege is held on a schema's
 * tables when every table there carries it. `acldefault` stands for a NULL ACL (the owner's rights).
 */
export const selectHeldPrivileges = `WITH grantee AS (SELECT oid, rolname FROM pg_catalog.pg_roles WHERE rolname = ANY($1::text[])),
rel AS (
  SELECT n.nspname, CASE WHEN c.relkind = 'S' THEN 'sequence' ELSE 'table' END AS kind,
    COALESCE(c.relacl, pg_catalog.acldefault((CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END)::"char", c.relowner)) AS acl
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
    AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
)
SELECT
  (SELECT COALESCE(pg_catalog.json_agg(g.rolname), '[]') FROM pg_catalog.pg_database d,
     LATERAL pg_catalog.aclexplode(COALESCE(d.datacl, pg_catalog.acldefault('d', d.datdba))) a JOIN grantee g ON g.oid = a.grantee
     WHERE d.datname = pg_catalog.current_database() AND a.privilege_type = 'CONNECT') AS connect,
  (SELECT COALESCE(pg_catalog.json_agg(x), '[]') FROM (
     SELECT g.rolname AS role, n.nspname AS schema, a.privilege_type AS privilege FROM pg_catalog.pg_namespace n,
       LATERAL pg_catalog.aclexplode(COALESCE(n.nspacl, pg_catalog.acldefault('n', n.nspowner))) a JOIN grantee g ON g.oid = a.grantee) x) AS on_schemas,
  (SELECT COALESCE(pg_catalog.json_agg(x), '[]') FROM (SELECT nspname AS schema, kind, count(*)::int AS n FROM rel GROUP BY 1, 2) x) AS relations,
  (SELECT COALESCE(pg_catalog.json_agg(x), '[]') FROM (
     SELECT g.rolname AS role, r.nspname AS schema, r.kind, a.privilege_type AS privilege, count(*)::int AS n
     FROM rel r CROSS JOIN LATERAL pg_catalog.aclexplode(r.acl) a JOIN grantee g ON g.oid = a.grantee GROUP BY 1, 2, 3, 4) x) AS on_relations,
  (SELECT COALESCE(pg_catalog.json_agg(x), '[]') FROM (
     SELECT cr.rolname AS creator, d.defaclobjtype AS objtype, g.rolname AS role, a.privilege_type AS privilege
     FROM pg_catalog.pg_default_acl d JOIN pg_catalog.pg_roles cr ON cr.oid = d.defaclrole,
       LATERAL pg_catalog.aclexplode(d.defaclacl) a JOIN grantee g ON g.oid = a.grantee
     WHERE d.defaclnamespace = 0) x) AS defaults`;

/** The rows of selectHeldPrivileges, as read. */
export interface HeldPrivilegeRows {
  readonly connect: string[];
  readonly on_schemas: Array<{ role: string; schema: string; privilege: string }>;
  readonly relations: Array<{ schema: string; kind: 'table' | 'sequence'; n: number }>;
  readonly on_relations: Array<{ role: string; schema: string; kind: 'table' | 'sequence'; privilege: string; n: number }>;
  readonly defaults: Array<{ creator: string; objtype: string; role: string; privilege: string }>;
}

/**
 * What roles hold in one database, asked the way the grant statements need it. Built from nothing
 * (`none()`), it answers "not held" to every question: a grant is then never skipped.
 */
export class HeldPrivileges {
  private constructor(private readonly rows: HeldPrivilegeRows | undefined) {}

  /** From what selectHeldPrivileges read. */
  static read(rows: HeldPrivilegeRows): HeldPrivileges {
    return new HeldPrivileges(rows);
  }

  /** Nothing held: users that do not exist yet, or that this run just created. */
  static none(): HeldPrivileges {
    return new HeldPrivileges(undefined);
  }

  canConnect(role: string): boolean {
    return this.rows?.connect.includes(role) ?? false;
  }

  /** Whether the role holds every one of `privileges` (e.g. "USAGE, CREATE") on the schema. */
  onSchema(role: string, schema: string, privileges: string): boolean {
    const rows = this.rows;
    return rows !== undefined && split(privileges).every((p) => rows.on_schemas.some((r) => r.role === role && r.schema === schema && r.privilege === p));
  }

  /** Whether every table (or sequence) of the schema carries every one of `privileges` for the role; true when it has none. */
  onAll(role: string, schema: string, kind: 'table' | 'sequence', privileges: string): boolean {
    const rows = this.rows;
    if (rows === undefined) return false;
    const total = rows.relations.find((r) => r.schema === schema && r.kind === kind)?.n ?? 0;
    return split(privileges).every((p) => (rows.on_relations.find((r) => r.role === role && r.schema === schema && r.kind === kind && r.privilege === p)?.n ?? 0) >= total);
  }

  /** Whether objects the creator makes later (objtype r tables, S sequences, n schemas) give the role every one of `privileges`. */
  byDefault(creator: string, objtype: 'r' | 'S' | 'n', role: string, privileges: string): boolean {
    const rows = this.rows;
    return rows !== undefined && split(privileges).every((p) => rows.defaults.some((d) => d.creator === creator && d.objtype === objtype && d.role === role && d.privilege === p));
  }
}

const split = (privileges: string) => privileges.split(',').map((p) => p.trim());

/**
 * For verify: every table-like relation and sequence of the application schemas, with what each of
 * the given roles holds on it (from the ACL, the owner's implicit rights included) and whether the
 * role owns it. Parameter: the role names.
 */
export const selectRelationPrivileges = `WITH grantee AS (SELECT oid, rolname FROM pg_catalog.pg_roles WHERE rolname = ANY($1::text[]))
SELECT n.nspname AS schema, c.relname AS name, CASE WHEN c.relkind = 'S' THEN 'sequence' ELSE 'table' END AS kind,
  g.rolname AS role, c.relowner = g.oid AS owner,
  COALESCE((SELECT pg_catalog.array_agg(a.privilege_type::text ORDER BY a.privilege_type)
    FROM pg_catalog.aclexplode(COALESCE(c.relacl, pg_catalog.acldefault((CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END)::"char", c.relowner))) a
    WHERE a.grantee = g.oid), '{}') AS privileges
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace CROSS JOIN grantee g
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
ORDER BY 1, 2, 4`;

/** For verify: whether a role starts read-only. Parameter: the role. */
export const selectReadOnlyDefault = `SELECT COALESCE('default_transaction_read_only=on' = ANY(rolconfig), false) AS read_only_default
  FROM pg_catalog.pg_roles WHERE rolname = $1`;

/**
 * The reads every role needs of a database's catalogs, in one round trip (each as a JSON array):
 * schemas, peer roles, schemas where PUBLIC may CREATE, and what the peers already hold.
 */
const selectCatalogColumns = `
  (SELECT COALESCE(pg_catalog.json_agg(s ORDER BY s.name), '[]') FROM (${selectSchemas}) s) AS schemas,
  (SELECT COALESCE(pg_catalog.json_agg(p ORDER BY p.name), '[]') FROM (${selectPeerRoles}) p) AS peers,
  (SELECT COALESCE(pg_catalog.json_agg(c.name ORDER BY c.name), '[]') FROM (${selectPublicCreateSchemas}) c) AS public_create`;
export const selectDatabaseCatalogs = `SELECT ${selectCatalogColumns},
  (SELECT pg_catalog.row_to_json(h) FROM (${selectHeldPrivileges}) h) AS held`;
/** The same without the ACL read, when every peer is a user this run created (they hold nothing yet). */
export const selectDatabaseCatalogsOfNewUsers = `SELECT ${selectCatalogColumns}`;

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

/** An IAM-authenticated user: a login with no password at all, and nothing beyond it. */
export function createIamUser(name: string): Statement {
  return { text: `CREATE ROLE ${ident(name)} WITH LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS` };
}

/** An existing user moving to IAM authentication: its password is removed, so only a token logs in. */
export function removePassword(name: string): Statement {
  return { text: `ALTER ROLE ${ident(name)} WITH LOGIN PASSWORD NULL` };
}

/** RDS's role for IAM authentication: its members log in with an IAM token. */
export const IAM_ROLE = 'rds_iam';
export function grantIamLogin(name: string): Statement {
  return { text: `GRANT ${ident(IAM_ROLE)} TO ${ident(name)}` };
}
export const selectIamRoleExists = `SELECT pg_catalog.pg_has_role(current_user, oid, 'USAGE') AS grantable FROM pg_catalog.pg_roles WHERE rolname = '${IAM_ROLE}'`;

/** The master's own password, as a verifier. */
export function changeOwnPassword(verifier: string): Statement {
  return { text: `ALTER ROLE CURRENT_USER WITH PASSWORD ${literal(verifier)}`, secret: true };
}

/** Defence in depth for ro: each transaction starts read-only, so TEMP/PUBLIC leftovers cannot be written through it. */
export function makeReadOnlyByDefault(name: string): Statement {
  return { text: `ALTER ROLE ${ident(name)} SET default_transaction_read_only = on` };
}

/**
 * For a plan: whether the user already starts read-only and whether the master is already a member
 * of it. Parameters: the user, the master.
 */
export const selectUserSettings = `SELECT
  COALESCE('default_transaction_read_only=on' = ANY(r.rolconfig), false) AS read_only_default,
  EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles u ON u.oid = m.member
          WHERE m.roleid = r.oid AND u.rolname = $2) AS master_member
  FROM pg_catalog.pg_roles r WHERE r.rolname = $1`;

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

function defaultPrivileges(creators: ReadonlyArray<string>, grantee: string, tier: RoleTier, withSchemas: boolean, held: HeldPrivileges): Statement[] {
  const kinds: Array<[objtype: 'r' | 'S' | 'n', privileges: string, on: string]> = [
    ['r', TABLE_PRIVILEGES[tier], 'TABLES'],
    ['S', SEQUENCE_PRIVILEGES[tier], 'SEQUENCES'],
  ];
  if (withSchemas) kinds.push(['n', SCHEMA_PRIVILEGES[tier], 'SCHEMAS']);
  return kinds.flatMap(([objtype, privileges, on]) => {
    const missing = creators.filter((c) => !held.byDefault(c, objtype, grantee, privileges));
    return grantFor(creators, missing, (roles) => `ALTER DEFAULT PRIVILEGES FOR ROLE ${roles.map(ident).join(', ')} GRANT ${privileges} ON ${on} TO ${ident(grantee)}`);
  });
}

/**
 * One statement over the names that still miss the privilege, or, when none does, the statement over
 * all of them marked alreadyHeld (what a plan shows as a no-op). None when there are no names.
 */
function grantFor(all: ReadonlyArray<string>, missing: ReadonlyArray<string>, text: (names: ReadonlyArray<string>) => string): Statement[] {
  if (all.length === 0) return [];
  return missing.length > 0 ? [{ text: text(missing) }] : [{ text: text(all), alreadyHeld: true }];
}

/**
 * Every grant of one tier in one database, for existing objects and objects created later by the
 * creators. Only GRANT statements: a rerun adds what is missing and removes nothing.
 */
export function grantsInDatabase(plan: DatabaseGrantPlan, held: HeldPrivileges = HeldPrivileges.none()): Statement[] {
  const to = ident(plan.user);
  const out: Statement[] = [{ text: `GRANT CONNECT ON DATABASE ${ident(plan.database)} TO ${to}`, alreadyHeld: held.canConnect(plan.user) || undefined }];
  const onSchemas = (missing: (schema: string) => boolean, text: (schemas: string) => string) =>
    grantFor(plan.schemas, plan.schemas.filter(missing), (schemas) => text(schemas.map(ident).join(', ')));
  out.push(
    ...onSchemas((s) => !held.onSchema(plan.user, s, SCHEMA_PRIVILEGES[plan.tier]), (s) => `GRANT ${SCHEMA_PRIVILEGES[plan.tier]} ON SCHEMA ${s} TO ${to}`),
    ...onSchemas((s) => !held.onAll(plan.user, s, 'table', TABLE_PRIVILEGES[plan.tier]), (s) => `GRANT ${TABLE_PRIVILEGES[plan.tier]} ON ALL TABLES IN SCHEMA ${s} TO ${to}`),
    ...onSchemas((s) => !held.onAll(plan.user, s, 'sequence', SEQUENCE_PRIVILEGES[plan.tier]), (s) => `GRANT ${SEQUENCE_PRIVILEGES[plan.tier]} ON ALL SEQUENCES IN SCHEMA ${s} TO ${to}`),
  );
  // hoop_ddl owns what it creates, so it needs no default privileges for itself.
  const creators = plan.creators.filter((c) => c !== plan.user);
  out.push(...defaultPrivileges(creators, plan.user, plan.tier, true, held));
  // Schemas too: ro and rw may have been granted before hoop_ddl existed (the tiers run at once),
  // and without USAGE on a schema hoop_ddl creates later they could not reach its tables.
  for (const reader of plan.readersOfDdlObjects ?? []) {
    out.push(...defaultPrivileges([plan.user], reader.user, reader.tier, true, held));
  }
  return out;
}
