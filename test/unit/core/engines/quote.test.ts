import { describe, expect, it } from 'vitest';
import { quoteMysqlGrantDatabase, quoteMysqlIdent, quoteMysqlLiteral } from '../../../../lambdas/core/engines/mysql/quote.ts';
import { quotePgIdent, quotePgLiteral } from '../../../../lambdas/core/engines/postgres/quote.ts';
import { quoteMssqlIdent, quoteMssqlLiteral } from '../../../../lambdas/core/engines/sqlserver/quote.ts';

describe('quote', () => {
  it('quotes PostgreSQL identifiers: mixed case, a quote, a space', () => {
    expect(quotePgIdent('MixedCase')).toBe('"MixedCase"');
    expect(quotePgIdent('we"ird schema')).toBe('"we""ird schema"');
    expect(quotePgIdent('x"; DROP TABLE t; --')).toBe('"x""; DROP TABLE t; --"');
  });

  it('quotes PostgreSQL literals', () => {
    expect(quotePgLiteral("it's")).toBe("'it''s'");
    expect(quotePgLiteral('a\\b')).toBe(" E'a\\\\b'");
  });

  it('quotes MySQL identifiers and literals', () => {
    expect(quoteMysqlIdent('Mixed Case`s')).toBe('`Mixed Case``s`');
    expect(quoteMysqlIdent('a.b')).toBe('`a.b`');
    expect(quoteMysqlLiteral("q'x")).toBe("'q\\'x'");
  });

  it('escapes MySQL GRANT wildcards in database names', () => {
    expect(quoteMysqlGrantDatabase('a_b')).toBe('`a\\_b`');
    expect(quoteMysqlGrantDatabase('100%')).toBe('`100\\%`');
    expect(quoteMysqlGrantDatabase('back\\slash')).toBe('`back\\\\slash`');
  });

  it('quotes SQL Server identifiers as QUOTENAME does, and literals', () => {
    expect(quoteMssqlIdent('hr]x')).toBe('[hr]]x]');
    expect(quoteMssqlIdent('Mixed Case')).toBe('[Mixed Case]');
    expect(quoteMssqlLiteral("it's")).toBe("N'it''s'");
    expect(() => quoteMssqlIdent('x'.repeat(129))).toThrow(/longer than 128/);
  });

  it('refuses a NUL byte in any identifier or literal', () => {
    for (const quote of [quotePgIdent, quotePgLiteral, quoteMysqlIdent, quoteMysqlLiteral, quoteMysqlGrantDatabase, quoteMssqlIdent, quoteMssqlLiteral]) {
      expect(() => quote('a\0b')).toThrow(/NUL byte/);
    }
  });
});
