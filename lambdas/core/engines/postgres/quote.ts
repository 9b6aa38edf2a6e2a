import pg from 'pg';
import { refuseNul } from '../quote.ts';

/** PostgreSQL identifier, quoted by the `pg` driver ("" doubles an embedded quote). */
export function quotePgIdent(name: string): string {
  return pg.escapeIdentifier(refuseNul(name));
}

/** PostgreSQL string literal, by the `pg` driver (E'' form when a backslash is present). */
export function quotePgLiteral(value: string): string {
  return pg.escapeLiteral(refuseNul(value));
}
