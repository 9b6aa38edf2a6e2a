import { DbrolesError } from '../../errors.ts';
import { refuseNul } from '../quote.ts';

/** SQL Server identifier in brackets, as QUOTENAME does: `]` doubles. */
export function quoteMssqlIdent(name: string): string {
  refuseNul(name);
  if (name.length > 128) throw new DbrolesError(`identifier "${name.slice(0, 20)}…" is longer than 128 characters`);
  return `[${name.replace(/]/g, ']]')}]`;
}

/** SQL Server Unicode string literal: N'…' with `'` doubled. */
export function quoteMssqlLiteral(value: string): string {
  return `N'${refuseNul(value).replace(/'/g, "''")}'`;
}
