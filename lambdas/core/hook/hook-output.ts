import { redact } from '../redact.ts';

/** The most a stored hook output holds, in bytes, as in the product we replace. */
export const HOOK_OUTPUT_LIMIT = 4096;

/** The UTF-8 byte length of `text`'s longest prefix of at most `max` bytes that ends on a character boundary. */
function utf8Prefix(bytes: Buffer, max: number): Buffer {
  if (bytes.length <= max) return bytes;
  let end = max;
  // Step back over continuation bytes (10xxxxxx) so no character is split.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end);
}

/**
 * A hook's output as stored: every secret replaced with REDACTED first, then cut to 4096 bytes in
 * all (never inside a UTF-8 character), ending with ` [truncated N bytes]` when cut. `droppedBytes`
 * counts output that was never kept in memory (past the runner's own cap).
 */
export function storedHookOutput(raw: Buffer | string, secrets: ReadonlyArray<string | undefined>, droppedBytes = 0): string {
  const redacted = Buffer.from(redact(Buffer.isBuffer(raw) ? raw.toString('utf8') : raw, secrets), 'utf8');
  const total = redacted.length + droppedBytes;
  if (total <= HOOK_OUTPUT_LIMIT) return redacted.toString('utf8');
  // The suffix's own length depends on N; two passes settle it.
  let kept = utf8Prefix(redacted, HOOK_OUTPUT_LIMIT);
  for (let i = 0; i < 2; i++) {
    const suffix = ` [truncated ${total - kept.length} bytes]`;
    kept = utf8Prefix(redacted, HOOK_OUTPUT_LIMIT - Buffer.byteLength(suffix));
  }
  return `${kept.toString('utf8')} [truncated ${total - kept.length} bytes]`;
}
