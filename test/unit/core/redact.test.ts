import { describe, expect, it } from 'vitest';
import { errorMessage, redact, WITHHELD } from '../../../lambdas/core/redact.ts';

describe('redact', () => {
  it('replaces every occurrence of every secret', () => {
    expect(redact('pw=abcd1234 again abcd1234 and zz99zz99', ['abcd1234', 'zz99zz99'])).toBe('pw=REDACTED again REDACTED and REDACTED');
  });

  it('replaces the longer secret first when one contains another', () => {
    expect(redact('x secret-long x', ['secret', 'secret-long'])).toBe('x REDACTED x');
  });

  it('ignores empty and missing secrets, and withholds a message that holds a secret under 4 characters', () => {
    expect(redact('a b c', ['', undefined])).toBe('a b c');
    expect(redact('password xyz refused', ['xyz'])).toBe(WITHHELD);
    expect(redact('nothing here', ['xyz'])).toBe('nothing here');
  });

  it('redacts the message of a thrown value', () => {
    expect(errorMessage(new Error('login failed for hunter22'), ['hunter22'])).toBe('login failed for REDACTED');
    expect(errorMessage('raw hunter22', ['hunter22'])).toBe('raw REDACTED');
  });
});
