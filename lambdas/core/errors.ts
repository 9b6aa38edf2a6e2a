/** Base class of every error dbroles raises on purpose. Its message is safe to show: no secret in it. */
export class DbrolesError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad input from a caller (CLI flags, API body). The CLI maps it to exit code 2. */
export class UsageError extends DbrolesError {}
