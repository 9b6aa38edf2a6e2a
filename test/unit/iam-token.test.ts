import { afterEach, describe, expect, it, vi } from 'vitest';
import { clientInvocation } from '../../local/cli/connections.ts';
import { signIamToken } from '../../local/cli/iam-token.ts';

const connection = {
  name: 'orders-ro',
  auth: 'iam' as const,
  host: 'orders.abc.eu-west-1.rds.amazonaws.com',
  port: 5432,
  user: 'hoop_ro',
  database: 'postgres',
  resource_arn: 'arn:aws:rds-db:eu-west-1:111111111111:dbuser:db-ABCDEFG/hoop_ro',
};

afterEach(() => {
  vi.useRealTimers();
});

describe('IAM login tokens', () => {
  it('signs a 15-minute rds-db connect token for the user, in the resource\'s region, with the given credentials and clock', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-30T12:00:00Z'));
    const token = await signIamToken(connection, { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' });
    const url = new URL(`https://${token}`);
    expect(`${url.host}${url.pathname}`).toBe('orders.abc.eu-west-1.rds.amazonaws.com:5432/');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      Action: 'connect',
      DBUser: 'hoop_ro',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIDEXAMPLE/20261130/eu-west-1/rds-db/aws4_request',
      'X-Amz-Date': '20261130T120000Z',
      'X-Amz-Expires': '900',
      'X-Amz-SignedHeaders': 'host',
    });
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    // The same clock and credentials sign the same token; another user does not.
    expect(await signIamToken(connection, { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' })).toBe(token);
    expect(await signIamToken({ ...connection, user: 'hoop_rw' }, { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' })).not.toBe(token);
  });

  it('hands the token to the client as its password, with TLS required, never on the command line', () => {
    const psql = clientInvocation('postgres', { ...connection, password: 'the-token' }, true);
    expect(psql.env).toMatchObject({ PGPASSWORD: 'the-token', PGSSLMODE: 'require', PGUSER: 'hoop_ro' });
    expect(psql.args.join(' ')).not.toContain('the-token');
    const mysql = clientInvocation('mysql', { ...connection, port: 3306, password: 'the-token' }, true);
    expect(mysql.args).toEqual(expect.arrayContaining(['--enable-cleartext-plugin', '--ssl-mode=REQUIRED']));
    expect(mysql.env).toEqual({ MYSQL_PWD: 'the-token' });
  });
});
