import { describe, expect, it } from 'vitest';
import { PASSWORD_ALPHABET, generatePassword } from '../../../lambdas/core/password.ts';

describe('generatePassword', () => {
  it('draws 25 characters from the seed alphabet', () => {
    expect(PASSWORD_ALPHABET).toHaveLength(64);
    for (let i = 0; i < 200; i++) expect(generatePassword()).toMatch(/^[a-zA-Z0-9*_]{25}$/);
  });

  it('always holds a lowercase letter, an uppercase letter and a digit (SQL Server CHECK_POLICY)', () => {
    for (let i = 0; i < 2000; i++) {
      const p = generatePassword();
      expect(/[a-z]/.test(p) && /[A-Z]/.test(p) && /[0-9]/.test(p), p).toBe(true);
    }
  });

  it('uses every character of the alphabet about equally (no modulo bias)', () => {
    const counts = new Map<string, number>();
    const draws = 4000;
    for (let i = 0; i < draws; i++) for (const c of generatePassword()) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(64);
    // Letters and digits are favoured a little by the class rule; '*' and '_' are not touched by it.
    const expected = (draws * 25) / 64;
    for (const c of ['*', '_']) expect(Math.abs((counts.get(c) ?? 0) - expected) / expected).toBeLessThan(0.1);
    const values = [...counts.values()];
    expect(Math.max(...values) / Math.min(...values)).toBeLessThan(1.25);
  });

  it('never repeats', () => {
    const seen = new Set(Array.from({ length: 1000 }, generatePassword));
    expect(seen.size).toBe(1000);
  });
});
