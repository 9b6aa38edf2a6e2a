/**
 * One SQL statement as an engine sends it. `secret` marks a statement that carries a password
 * (or a password verifier): it must never be logged or shown in an error.
 */
export interface Statement {
  readonly text: string;
  readonly secret?: boolean;
}

/** Joins statements into one script for a driver that accepts several per round trip. */
export function toScript(statements: ReadonlyArray<Statement>): string {
  return statements.map((s) => `${s.text};`).join('\n');
}
