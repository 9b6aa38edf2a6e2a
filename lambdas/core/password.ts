import { randomBytes } from 'node:crypto';

/** The seed's alphabet: 64 characters, so `byte % 64` maps a random byte without bias (256 = 4 × 64). */
export const PASSWORD_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789*_';
export const PASSWORD_LENGTH = 25;

/**
 * A 25-character password from crypto randomness over the seed's alphabet (150 bits).
 * Draws are redone until the password holds a lowercase letter, an uppercase letter and a digit:
 * SQL Server's CHECK_POLICY wants three character classes, and about 1 in 180 uniform draws has
 * fewer. Rejection keeps every accepted password equally likely.
 */
export function generatePassword(): string {
  for (;;) {
    const bytes = randomBytes(PASSWORD_LENGTH);
    let password = '';
    for (const byte of bytes) password += PASSWORD_ALPHABET[byte % 64];
    if (/[a-z]/.test(password) && /[A-Z]/.test(password) && /[0-9]/.test(password)) return password;
  }
}
