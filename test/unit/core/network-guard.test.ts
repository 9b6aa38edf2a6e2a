import { describe, expect, it } from 'vitest';
import { isLinkLocal, refuseLinkLocalHost } from '../../../lambdas/core/network-guard.ts';

describe('refuseLinkLocalHost', () => {
  it.each([
    ['169.254.169.254', true],
    ['169.254.0.1', true],
    ['fe80::1', true],
    ['fd00:ec2::254', true],
    ['::ffff:169.254.169.254', true],
    ['127.0.0.1', false],
    ['10.0.0.5', false],
    ['fd00:ec2::253', false],
  ])('%s is link-local: %s', (address, expected) => {
    expect(isLinkLocal(address)).toBe(expected);
  });

  it('refuses a name that resolves to a link-local address, at the API and in the workflow', async () => {
    const resolve = async () => ['10.0.0.7', '169.254.169.254'];
    await expect(refuseLinkLocalHost('metadata.internal', false, 'request', resolve)).rejects.toThrow(
      'target.host: "metadata.internal" resolves to 169.254.169.254, which is a link-local address (cloud metadata lives there); set DBROLES_ALLOW_LINK_LOCAL=true if this database really is there',
    );
    await expect(refuseLinkLocalHost('metadata.internal', false, 'workflow', resolve)).rejects.toThrow(/resolves to 169\.254\.169\.254/);
    await expect(refuseLinkLocalHost('metadata.internal', true, 'request', resolve)).resolves.toBeUndefined();
    await expect(refuseLinkLocalHost('db.internal', false, 'request', async () => ['10.0.0.7'])).resolves.toBeUndefined();
    await expect(refuseLinkLocalHost('nowhere.invalid', false, 'request', async () => Promise.reject(new Error('ENOTFOUND')))).resolves.toBeUndefined();
  });
});
