import { describe, expect, it } from 'vitest';
import { HOOK_OUTPUT_LIMIT, storedHookOutput } from '../../../../lambdas/core/hook/hook-output.ts';

describe('storedHookOutput', () => {
  it('keeps a short output as it is, with every secret replaced first', () => {
    expect(storedHookOutput('password -> s3cret-pw\n', ['s3cret-pw'])).toBe('password -> REDACTED\n');
  });

  it('cuts a long output to 4096 bytes in all, saying how many bytes were cut', () => {
    const out = storedHookOutput('x'.repeat(100_000), []);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(HOOK_OUTPUT_LIMIT);
    const cut = Number(/ \[truncated (\d+) bytes\]$/.exec(out)?.[1]);
    expect(out.length - ` [truncated ${cut} bytes]`.length + cut).toBe(100_000);
  });

  it('redacts before cutting, so a secret that straddles the limit never leaves half of itself', () => {
    const secret = 'abcdefghij-secret';
    const out = storedHookOutput(`${'x'.repeat(HOOK_OUTPUT_LIMIT - 40)}${secret}${'y'.repeat(100)}`, [secret]);
    expect(out).not.toMatch(/abcdefghij/);
  });

  it('never splits a UTF-8 character', () => {
    const out = storedHookOutput('é€😀'.repeat(2000), []);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(HOOK_OUTPUT_LIMIT);
    expect(out).not.toContain('\uFFFD');
    expect(Buffer.from(out, 'utf8').toString('utf8')).toBe(out);
    expect(out).toMatch(/^(é€😀)+(é|é€)? \[truncated \d+ bytes\]$/);
  });

  it('counts output the runner never kept', () => {
    expect(storedHookOutput('short', [], 5000)).toMatch(/^short \[truncated 5000 bytes\]$/);
  });
});
