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
