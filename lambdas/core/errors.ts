/** Base class of every error dbroles raises on purpose. Its message is safe to show: no secret in it. */
export class DbrolesError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad input from a caller (CLI flags, API body). The CLI maps it to exit code 2. */
export class UsageError extends DbrolesError {}

/** The thing asked for does not exist (a job id, a connection name). */
export class NotFoundError extends DbrolesError {}

/** Another job holds the database's lock. Not retried: the second job fails fast. */
export class LockHeldError extends DbrolesError {}

/**
 * A write lost a race (a conditional write failed): another writer changed the item first.
 * Retrying the whole step is safe.
 */
export class ConflictError extends DbrolesError {}

/**
 * An unexpected failure (a store or network error) around a step whose retry is safe and may
 * finish the work, such as promoting a password the database already took. Its message is
 * redacted; the state machine retries it.
 */
export class RetryableError extends DbrolesError {}

/** A secret store (Vault, Secrets Manager, dbroles' own table) refused a read or a write. */
export class SecretStoreError extends DbrolesError {}

/** Names of errors the state machine must not retry: they are decisions, not accidents. */
export const NON_RETRYABLE_ERRORS = ['DbrolesError', 'UsageError', 'NotFoundError', 'LockHeldError'] as const;
