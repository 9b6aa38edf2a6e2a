import { DbrolesError } from '../errors.ts';

// Quoting shared by the engines; each engine's own quoting is in its folder (quote.ts), next to its
// driver, so a function that bundles one engine does not bundle another's driver.

/** Identifiers come from customer databases: anyone with CREATE can pick a hostile name. */
export function refuseNul(name: string): string {
  if (name.includes('\0')) throw new DbrolesError(`identifier ${JSON.stringify(name)} contains a NUL byte`);
  return name;
}
