import { describe, expect, it } from 'vitest';
import * as sql from '../../../../../lambdas/core/engines/postgres/sql.ts';
import { scramSha256Verifier } from '../../../../../lambdas/core/engines/postgres/scram.ts';

describe('postgres sql', () => {
  it('builds every grant of each tier, quoted', () => {
    for (const tier of ['ro', 'rw', 'ddl'] as const) {
      const statements = sql.grantsInDatabase({
        database: 'sales "eu"',
        tier,
        user: `hoop_${tier}`,
        schemas: ['public', 'MixedCase', 'we"ird schema'],
        creators: ['Master', 'hoop_ddl'],
        readersOfDdlObjects: tier === 'ddl' ? [{ tier: 'ro', user: 'hoop_ro' }, { tier: 'rw', user: 'hoop_rw' }] : [],
      });
      expect(statements.map((s) => s.text)).toMatchSnapshot(tier);
      expect(statements.some((s) => s.secret)).toBe(false);
    }
  });

  it('grants no CREATE to ro or rw, and no write privilege to ro', () => {
    const text = (tier: 'ro' | 'rw') =>
      sql.grantsInDatabase({ database: 'd', tier, user: 'u', schemas: ['s'], creators: ['m'] }).map((s) => s.text).join('\n');
    expect(text('ro')).not.toMatch(/CREATE|INSERT|UPDATE|DELETE|TRUNCATE|USAGE, SELECT ON (ALL )?SEQUENCES/);
    expect(text('rw')).not.toMatch(/CREATE|TRUNCATE/);
  });

  it('skips schema grants when a database has no schema the master can grant on', () => {
    const statements = sql.grantsInDatabase({ database: 'd', tier: 'ro', user: 'u', schemas: [], creators: ['m'] });
    expect(statements.map((s) => s.text).join('\n')).not.toMatch(/ON SCHEMA |IN SCHEMA/);
  });

  it('narrows each grant to what the catalogs show missing, and marks the rest as already held', () => {
    const held = sql.HeldPrivileges.read({
      connect: ['hoop_ro'],
      on_schemas: [{ role: 'hoop_ro', schema: 'a', privilege: 'USAGE' }],
      relations: [
        { schema: 'a', kind: 'table', n: 2 },
        { schema: 'b', kind: 'table', n: 3 },
        { schema: 'a', kind: 'sequence', n: 1 },
      ],
      on_relations: [
        { role: 'hoop_ro', schema: 'a', kind: 'table', privilege: 'SELECT', n: 2 },
        { role: 'hoop_ro', schema: 'b', kind: 'table', privilege: 'SELECT', n: 2 },
        { role: 'hoop_rw', schema: 'a', kind: 'sequence', privilege: 'SELECT', n: 1 },
      ],
      defaults: [
        { creator: 'm', objtype: 'r', role: 'hoop_ro', privilege: 'SELECT' },
        { creator: 'm', objtype: 'S', role: 'hoop_ro', privilege: 'SELECT' },
        { creator: 'hoop_ddl', objtype: 'S', role: 'hoop_ro', privilege: 'SELECT' },
      ],
    });
    const plan = { database: 'd', tier: 'ro' as const, user: 'hoop_ro', schemas: ['a', 'b', 'c'], creators: ['m', 'hoop_ddl'] };
    const statements = sql.grantsInDatabase(plan, held);
    expect(statements.filter((s) => !s.alreadyHeld).map((s) => s.text)).toEqual([
      'GRANT USAGE ON SCHEMA "b", "c" TO "hoop_ro"',
      // b lacks SELECT on one of its 3 tables; c has no table, so nothing is missing there.
      'GRANT SELECT ON ALL TABLES IN SCHEMA "b" TO "hoop_ro"',
      // a's one sequence carries SELECT for rw, not for ro.
      'GRANT SELECT ON ALL SEQUENCES IN SCHEMA "a" TO "hoop_ro"',
      'ALTER DEFAULT PRIVILEGES FOR ROLE "hoop_ddl" GRANT SELECT ON TABLES TO "hoop_ro"',
      'ALTER DEFAULT PRIVILEGES FOR ROLE "m", "hoop_ddl" GRANT USAGE ON SCHEMAS TO "hoop_ro"',
    ]);
    expect(statements.filter((s) => s.alreadyHeld).map((s) => s.text)).toEqual([
      'GRANT CONNECT ON DATABASE "d" TO "hoop_ro"',
      'ALTER DEFAULT PRIVILEGES FOR ROLE "m", "hoop_ddl" GRANT SELECT ON SEQUENCES TO "hoop_ro"',
    ]);
    // rw holds SELECT but not USAGE on a's sequence: granted there (b and c have none).
    expect(sql.grantsInDatabase({ ...plan, tier: 'rw', user: 'hoop_rw' }, held).some((s) => !s.alreadyHeld && s.text === 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "a" TO "hoop_rw"')).toBe(true);
    // Without a read nothing counts as held.
    expect(sql.grantsInDatabase(plan).some((s) => s.alreadyHeld)).toBe(false);
  });

  it('marks statements that carry a password verifier as secret', () => {
    expect(sql.createUser('hoop_ro', 'SCRAM-SHA-256$x').secret).toBe(true);
    expect(sql.changePassword('hoop_ro', 'SCRAM-SHA-256$x').secret).toBe(true);
    expect(sql.createUser('hoop_ro', 'v').text).toMatch(/NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS/);
  });
});

describe('scramSha256Verifier', () => {
  it('computes the RFC 7677 verifier for a known salt', () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
    // RFC 7677 section 3: password "pencil", salt above, 4096 iterations.
    expect(scramSha256Verifier('pencil', salt)).toBe(
      'SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=',
    );
  });

  it('salts each verifier anew', () => {
    expect(scramSha256Verifier('pencil')).not.toBe(scramSha256Verifier('pencil'));
  });
});

describe('IAM-authenticated users (SQL)', () => {
  it('creates a login without a password, removes an existing one, and grants rds_iam', () => {
    expect(sql.createIamUser('hoop_ro').text).toBe('CREATE ROLE "hoop_ro" WITH LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS');
    expect(sql.removePassword('hoop_ro').text).toBe('ALTER ROLE "hoop_ro" WITH LOGIN PASSWORD NULL');
    expect(sql.grantIamLogin('hoop_ro').text).toBe('GRANT "rds_iam" TO "hoop_ro"');
    expect([sql.createIamUser('x'), sql.removePassword('x'), sql.grantIamLogin('x')].some((s) => s.secret)).toBe(false);
  });
});
