const REDACTED = 'REDACTED';

/** What a message becomes when it holds a secret too short to cut out without shredding words. */
export const WITHHELD = 'REDACTED (the message was withheld: it contained a secret too short to cut out)';

/**
 * Replaces every occurrence of each secret in `text` with REDACTED. Every error message that leaves
 * core passes through here with the secrets in play (master and role passwords). A message that
 * holds a secret shorter than 4 characters is withheld whole: cutting such a secret out would
 * shred ordinary words and could still leave it readable.
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  if (secrets.some((s) => typeof s === 'string' && s.length > 0 && s.length < 4 && text.includes(s))) return WITHHELD;
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
