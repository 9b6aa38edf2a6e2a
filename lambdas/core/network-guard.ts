import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { DbrolesError, UsageError } from './errors.ts';

/** Link-local addresses, where cloud metadata services live (169.254.169.254, fd00:ec2::254). */
const LINK_LOCAL = new BlockList();
LINK_LOCAL.addSubnet('169.254.0.0', 16, 'ipv4');
LINK_LOCAL.addSubnet('fe80::', 10, 'ipv6');
LINK_LOCAL.addAddress('fd00:ec2::254', 'ipv6');

/** Whether an IP address is link-local (an IPv4-mapped IPv6 address counts as its IPv4 one). */
export function isLinkLocal(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return LINK_LOCAL.check(mapped, 'ipv4');
  const family = isIP(address);
  return family !== 0 && LINK_LOCAL.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** A resolver that gives up after `ms` (a name that does not resolve in time is left to fail at connect). */
function resolveWithin(ms: number): (name: string) => Promise<string[]> {
  return async (name) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('DNS lookup timed out')), ms);
    });
    try {
      return (await Promise.race([lookup(name, { all: true, verbatim: true }), timeout])).map((a) => a.address);
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * Refuses a database given directly whose host is, or resolves to, a link-local address: a job
 * must not become a way to reach the instance metadata service. Checked after DNS resolution, so a
 * name that points there is refused too. A name that does not resolve is left to fail at connect.
 * `when` says where the check runs: at the API (a UsageError naming the field) or in the workflow.
 */
export async function refuseLinkLocalHost(
  host: string,
  allow: boolean,
  when: 'request' | 'workflow',
  resolve: (name: string) => Promise<string[]> = resolveWithin(2000),
): Promise<void> {
  if (allow) return;
  const bare = host.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(bare) ? [bare] : await resolve(bare);
  } catch {
    return;
  }
  const bad = addresses.find(isLinkLocal);
  if (!bad) return;
  const message = `target.host: "${host}" ${bare === bad ? 'is' : `resolves to ${bad}, which is`} a link-local address (cloud metadata lives there); set DBROLES_ALLOW_LINK_LOCAL=true if this database really is there`;
  throw when === 'request' ? new UsageError(message) : new DbrolesError(message);
}
