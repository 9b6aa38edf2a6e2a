import type { Finding, VerifiedUser, Verifier, VerifySession } from '../../verify.ts';
import type { ConnectionTarget, RoleTier } from '../types.ts';
import { PgConnection } from './index.ts';
import { quotePgIdent as ident } from './quote.ts';
import * as sql from './sql.ts';

const list = (privileges: string) => privileges.split(',').map((p) => p.trim());
/** What each tier may hold on a table or a sequence: its grant, nothing more. */
const ALLOWED: Record<'table' | 'sequence', Record<RoleTier, string[]>> = {
  table: { ro: list(sql.TABLE_PRIVILEGES.ro), rw: list(sql.TABLE_PRIVILEGES.rw), ddl: list(sql.TABLE_PRIVILEGES.ddl) },
  sequence: { ro: list(sql.SEQUENCE_PRIVILEGES.ro), rw: list(sql.SEQUENCE_PRIVILEGES.rw), ddl: list(sql.SEQUENCE_PRIVILEGES.ddl) },
};

interface RelationRow {
  schema: string;
  name: string;
  kind: 'table' | 'sequence';
  role: string;
  owner: boolean;
  privileges: string[];
}

class PostgresVerifySession implements VerifySession {
  private readonly master: string;

  constructor(
    private readonly admin: PgConnection,
    private readonly target: ConnectionTarget,
    master: string,
  ) {
    this.master = master;
  }

  async listDatabases(): Promise<string[]> {
    return (await this.admin.query<{ datname: string }>(sql.selectDatabases)).map((r) => r.datname);
  }

  async inspectUser(user: VerifiedUser): Promise<Finding[]> {
    const base = { user: user.name, tier: user.tier, database: null } as const;
    const [attributes] = await this.admin.query<Record<string, boolean>>(sql.selectRoleAttributes, [user.name]);
    if (!attributes) return [{ ...base, kind: 'missing', object: 'user', privilege: 'LOGIN', message: `user ${user.name} does not exist` }];
    const findings: Finding[] = Object.entries(attributes)
      .filter(([, on]) => on)
      .map(([attribute]) => {
        const privilege = attribute.replace(/^rol/, '').toUpperCase();
        return { ...base, kind: 'extra', object: 'user', privilege, message: `${user.name} has ${privilege}, which no tier has` };
      });
    for (const m of await this.admin.query<{ role: string; why: string }>(sql.selectForbiddenMemberships, [user.name])) {
      findings.push({ ...base, kind: 'extra', object: `member of ${m.role}`, privilege: 'MEMBER', message: `${user.name} is a member of ${m.role} (${m.why})` });
    }
    if (user.tier === 'ro') {
      const [row] = await this.admin.query<{ read_only_default: boolean }>(sql.selectReadOnlyDefault, [user.name]);
      if (!row?.read_only_default) {
        findings.push({ ...base, kind: 'missing', object: 'user', privilege: 'default_transaction_read_only=on', message: `${user.name} does not start read-only` });
      }
    }
    return findings;
  }

  async inspectDatabase(database: string, users: ReadonlyArray<VerifiedUser>): Promise<Finding[]> {
    const conn = await PgConnection.open(this.target, database);
    try {
      const ddlName = users.find((u) => u.tier === 'ddl')?.name ?? users.find((u) => u.ddlPeer)?.ddlPeer;
      const names = [...new Set([...users.map((u) => u.name), ...(ddlName ? [ddlName] : [])])];
      const [catalogs] = await conn.query<{ schemas: Array<{ name: string; grantable: boolean }>; peers: Array<{ name: string }>; held: sql.HeldPrivilegeRows }>(
        sql.selectDatabaseCatalogs,
        [names],
      );
      const relations = await conn.query<RelationRow>(sql.selectRelationPrivileges, [names]);
      if (!catalogs) return [];
      const held = sql.HeldPrivileges.read(catalogs.held);
      const schemas = catalogs.schemas.map((s) => s.name);
      // The ddl user's future objects matter only if it exists.
      const ddl = ddlName && catalogs.peers.some((p) => p.name === ddlName) ? ddlName : undefined;
      const findings: Finding[] = [];
      for (const user of users) {
        const at = (kind: Finding['kind'], object: string, privilege: string, message: string): Finding => ({ kind, user: user.name, tier: user.tier, database, object, privilege, message });
        if (!held.canConnect(user.name)) findings.push(at('missing', 'database', 'CONNECT', `${user.name} cannot connect to ${database}`));
        for (const schema of schemas) {
          for (const privilege of list(sql.SCHEMA_PRIVILEGES[user.tier])) {
            if (!held.onSchema(user.name, schema, privilege)) findings.push(at('missing', `schema ${schema}`, privilege, `${user.name} lacks ${privilege} on schema ${schema}`));
          }
          if (user.tier !== 'ddl' && held.onSchema(user.name, schema, 'CREATE')) {
            findings.push(at('extra', `schema ${schema}`, 'CREATE', `${user.name} may CREATE in schema ${schema}, which only ddl may`));
          }
        }
        for (const rel of relations.filter((r) => r.role === user.name && !r.owner)) {
          const object = `${ident(rel.schema)}.${ident(rel.name)}`.replace(/"([a-z_][a-z0-9_]*)"/g, '$1');
          const allowed = ALLOWED[rel.kind][user.tier];
          for (const privilege of allowed.filter((p) => !rel.privileges.includes(p))) {
            findings.push(at('missing', object, privilege, `${user.name} lacks ${privilege} on ${rel.kind} ${object}`));
          }
          for (const privilege of rel.privileges.filter((p) => !allowed.includes(p))) {
            findings.push(at('extra', object, privilege, `${user.name} holds ${privilege} on ${rel.kind} ${object}, beyond the ${user.tier} tier`));
          }
        }
        // Objects created later: by the master, and (for ro and rw) by the ddl user.
        const creators = [this.master, ...(user.tier !== 'ddl' && ddl ? [ddl] : [])];
        for (const creator of creators) {
          for (const [objtype, privileges, what] of [
            ['r', sql.TABLE_PRIVILEGES[user.tier], 'tables'],
            ['S', sql.SEQUENCE_PRIVILEGES[user.tier], 'sequences'],
            ['n', sql.SCHEMA_PRIVILEGES[user.tier], 'schemas'],
          ] as const) {
            for (const privilege of list(privileges).filter((p) => !held.byDefault(creator, objtype, user.name, p))) {
              findings.push(at('missing', `default privileges of ${creator}`, `${privilege} on new ${what}`, `${user.name} will not get ${privilege} on ${what} ${creator} creates later`));
            }
          }
        }
      }
      return findings;
    } finally {
      await conn.close();
    }
  }

  async close(): Promise<void> {
    await this.admin.close();
  }
}

/** The probe statements per tier: one the tier allows, one it refuses (both change nothing: rolled back). */
function probes(tier: RoleTier, table: string | undefined, shown: string, schema: string): { allowed?: string[]; refused: string[]; refusedWhat: string; allowedWhat?: string } {
  const lockForWrite = table ? [`LOCK TABLE ${table} IN ROW EXCLUSIVE MODE`] : undefined;
  const createTable = [`CREATE TABLE ${ident(schema)}.dbroles_verify_probe (id int)`];
  if (tier === 'ro') return { allowed: table ? [`SELECT * FROM ${table} LIMIT 0`] : undefined, allowedWhat: `read ${shown}`, refused: lockForWrite ?? createTable, refusedWhat: table ? `lock ${shown} for writing` : `create a table in ${schema}` };
  if (tier === 'rw') return { allowed: lockForWrite, allowedWhat: `lock ${shown} for writing`, refused: createTable, refusedWhat: `create a table in ${schema}` };
  return { allowed: createTable, allowedWhat: `create a table in ${schema}`, refused: ['CREATE ROLE dbroles_verify_probe'], refusedWhat: 'create a role' };
}

export const postgresVerifier: Verifier = {
  async connect(target) {
    const admin = await PgConnection.open(target, target.database ?? 'postgres');
    try {
      const [info] = await admin.query<{ current_user: string }>(sql.selectServerInfo);
      return new PostgresVerifySession(admin, target, info?.current_user ?? target.user);
    } catch (error) {
      await admin.close();
      throw error;
    }
  },

  async probeLogin(target, user, database) {
    const at = (kind: Finding['kind'], privilege: string, message: string): Finding => ({ kind, user: user.name, tier: user.tier, database, object: 'login', privilege, message });
    let conn: PgConnection;
    try {
      conn = await PgConnection.open({ ...target, user: user.name, password: user.password }, database);
    } catch (error) {
      return [at('login-failed', 'LOGIN', `${user.name} cannot log in to ${database}: ${(error as Error).message}`)];
    }
    try {
      const [first] = await conn.query<{ schema: string; name: string }>(
        `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
         WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE' ORDER BY 1, 2 LIMIT 1`,
      );
      const table = first ? `${ident(first.schema)}.${ident(first.name)}` : undefined;
      const { allowed, allowedWhat, refused, refusedWhat } = probes(user.tier, table, first ? `${first.schema}.${first.name}` : '', first?.schema ?? 'public');
      const attempt = async (statements: string[]): Promise<{ ok: true } | { ok: false; code: string; message: string }> => {
        try {
          await conn.query('BEGIN READ WRITE');
          for (const s of statements) await conn.query(s);
          return { ok: true };
        } catch (error) {
          return { ok: false, code: (error as { code?: string }).code ?? '', message: (error as Error).message };
        } finally {
          await conn.query('ROLLBACK').catch(() => undefined);
        }
      };
      const findings: Finding[] = [];
      if (allowed) {
        const result = await attempt(allowed);
        if (!result.ok) findings.push(at('missing', allowedWhat ?? 'allowed action', `${user.name} logged in but could not ${allowedWhat}: ${result.message}`));
      }
      const result = await attempt(refused);
      if (result.ok) findings.push(at('extra', refusedWhat, `${user.name} could ${refusedWhat}, which the ${user.tier} tier must not (rolled back)`));
      return findings;
    } finally {
      await conn.close();
    }
  },
};
