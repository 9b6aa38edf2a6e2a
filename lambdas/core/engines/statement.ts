import { redact } from '../redact.ts';
import type { PlannedStatement } from './types.ts';

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

/**
 * A dry run's record of the statements it did not send: each with its user and database, and its
 * text with every given secret shown as REDACTED. Transaction control is left out.
 */
export class StatementRecorder {
  private readonly statements: PlannedStatement[] = [];

  record(user: string, database: string | null, statements: ReadonlyArray<Statement>, secrets: ReadonlyArray<string> = []): void {
    for (const s of statements) {
      if (/^(BEGIN|COMMIT|ROLLBACK)\b/i.test(s.text)) continue;
      const sql = s.secret ? redact(s.text, secrets) : s.text;
      // A secret statement whose secret was not given is shown as its first words only.
      this.statements.push({ user, database, sql: s.secret && sql === s.text ? `${s.text.split(/\s+/).slice(0, 3).join(' ')} … REDACTED` : sql, alreadyHeld: s.alreadyHeld === true });
    }
  }

  planned(): ReadonlyArray<PlannedStatement> {
    return this.statements;
  }
}
