/**
 * One SQL statement as an engine sends it. `secret` marks a statement that carries a password
 * (or a password verifier): it must never be logged or shown in an error.
 */
export interface Statement {
  readonly text: string;
  readonly secret?: boolean;
  /** The grantee already holds what this statement grants: a rerun skips it (a plan shows it as a no-op). */
  readonly alreadyHeld?: boolean;
}

/** Joins statements into one script for a driver that accepts several per round trip. */
export function toScript(statements: ReadonlyArray<Statement>): string {
  return statements.map((s) => `${s.text};`).join('\n');
}
