const REDACTED = 'REDACTED';

/**
 * Replaces every occurrence of each secret in `text` with REDACTED. Every error message that leaves
 * core passes through here with the secrets in play (master and role passwords).
 * Secrets shorter than 4 characters are ignored: redacting them would shred ordinary words.
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  const sorted = secrets
    .filter((s): s is string => typeof s === 'string' && s.length >= 4)
    .sort((a, b) => b.length - a.length);
  for (const secret of sorted) out = out.split(secret).join(REDACTED);
  return out;
}

/** The message of any thrown value, redacted. */
export function errorMessage(error: unknown, secrets: ReadonlyArray<string | undefined>): string {
  const raw = error instanceof Error ? error.message : String(error);
  return redact(raw, secrets);
}
