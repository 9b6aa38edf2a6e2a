import { describe, expect, it } from 'vitest';
import type { ProvisionerSession, RoleProvisioner, RoleUser } from '../../../lambdas/core/engines/types.ts';
import { provisionRoles, type ProgressEvent } from '../../../lambdas/core/provision.ts';

const target = { host: 'db.internal', port: 5432, user: 'master', password: 'the-master-password' };

interface FakeOptions {
  databases?: string[];
  failEnsure?: (user: RoleUser) => Error | undefined;
  failGrant?: (database: string, user: RoleUser) => Error | undefined;
  delayMs?: number;
}

/** A provisioner whose sessions record calls and fail where told. */
function fakeProvisioner(options: FakeOptions = {}) {
  const calls: string[] = [];
  let active = 0;
  let maxActive = 0;
  const session = (): ProvisionerSession => ({
    server: { version: 'fake 1.0', flavor: 'postgres', defaultDatabase: 'postgres' },
    listDatabases: async () => options.databases ?? ['a', 'b', 'c'],
    ensureUser: async (user) => {
      calls.push(`ensure ${user.name}`);
      const error = options.failEnsure?.(user);
      if (error) throw error;
      return { created: true };
    },
    grantInDatabase: async (database, user) => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, options.delayMs ?? 1));
      active -= 1;
      calls.push(`grant ${user.name} ${database}`);
      const error = options.failGrant?.(database, user);
      if (error) throw error;
      return { warnings: [] };
    },
    changeOwnPassword: async () => undefined,
    doneWith: async (database) => {
      calls.push(`done ${database}`);
    },
    close: async () => {
      calls.push('close');
    },
  });
  const provisioner: RoleProvisioner = { family: 'postgres', connect: async () => session(), isAuthenticationError: () => false };
  return { provisioner, calls, maxActive: () => maxActive };
}

const run = (fake: ReturnType<typeof fakeProvisioner>, extra: Partial<Parameters<typeof provisionRoles>[0]> = {}, onProgress?: (e: ProgressEvent) => void) =>
  provisionRoles(
    { engine: 'postgres', target, tiers: ['ro', 'rw', 'ddl'], ...extra },
    { provisioners: { postgres: fake.provisioner, mysql: fake.provisioner, sqlserver: fake.provisioner }, onProgress },
  );

describe('provisionRoles', () => {
  it('provisions each tier in every database with its own password', async () => {
    const fake = fakeProvisioner();
    const report = await run(fake);
    expect(report).toMatchObject({ status: 'completed', message: 'All user roles have been successfully provisioned', defaultDatabase: 'postgres' });
    expect(report.roles.map((r) => r.user)).toEqual(['hoop_ro', 'hoop_rw', 'hoop_ddl']);
    expect(new Set(report.roles.map((r) => r.password)).size).toBe(3);
    for (const role of report.roles) expect(role.databases.map((d) => d.database)).toEqual(['a', 'b', 'c']);
    expect(fake.calls.filter((c) => c === 'close'), 'one shared session, closed once').toHaveLength(1);
  });

  it('keeps going when one role fails to be created', async () => {
    const fake = fakeProvisioner({ failEnsure: (u) => (u.tier === 'rw' ? new Error(`permission denied; password ${u.password}`) : undefined) });
    const report = await run(fake);
    const rw = report.roles.find((r) => r.tier === 'rw');
    expect(rw?.status).toBe('failed');
    expect(rw?.message).toMatch(/^create or update user "hoop_rw": permission denied; password REDACTED$/);
    expect(rw?.password).toBeUndefined();
    expect(report.roles.filter((r) => r.status === 'completed')).toHaveLength(2);
    expect(report).toMatchObject({ status: 'failed', message: 'One or more user roles failed to be provisioned' });
  });

  it('fails a role when one database fails, names it, redacts every secret and keeps the new password', async () => {
    const fake = fakeProvisioner({
      failGrant: (db, u) => (db === 'b' ? new Error(`boom with ${target.password} and ${u.password}`) : undefined),
    });
    const report = await run(fake, { tiers: ['ro'] });
    const ro = report.roles[0];
    expect(ro?.status).toBe('failed');
    expect(ro?.message).toBe('failed in 1 of 3 databases: b: boom with REDACTED and REDACTED');
    expect(ro?.databases.map((d) => d.status)).toEqual(['completed', 'failed', 'completed']);
    expect(ro?.password).toMatch(/^[a-zA-Z0-9*_]{25}$/);
  });

  it('reports a requested database the server does not have', async () => {
    const report = await run(fakeProvisioner(), { tiers: ['ro'], databases: ['a', 'zz'] });
    expect(report.roles[0]?.databases).toEqual([
      { database: 'a', status: 'completed', message: '' },
      { database: 'zz', status: 'failed', message: 'database not found, or not connectable, on this server' },
    ]);
  });

  it('fails with a clear message when the server has no application database', async () => {
    const report = await run(fakeProvisioner({ databases: [] }), { tiers: ['ro'] });
    expect(report.roles[0]?.message).toBe('no database to provision: the server lists no application database');
  });

  it('works on at most `concurrency` databases at once, whatever the number of roles', async () => {
    const fake = fakeProvisioner({ databases: Array.from({ length: 12 }, (_, i) => `db${i}`), delayMs: 5 });
    await run(fake, { concurrency: 2 });
    expect(fake.maxActive()).toBe(2);
  });

  it('grants every role in a database, then releases that database once: one connection per database, not one per role', async () => {
    const fake = fakeProvisioner({ databases: ['a', 'b', 'c', 'd'] });
    await run(fake, { concurrency: 1 });
    const work = fake.calls.filter((c) => c.startsWith('grant ') || c.startsWith('done '));
    expect(work).toEqual(['a', 'b', 'c', 'd'].flatMap((d) => [`grant hoop_ro ${d}`, `grant hoop_rw ${d}`, `grant hoop_ddl ${d}`, `done ${d}`]));
  });

  it('reports progress per database', async () => {
    const events: ProgressEvent[] = [];
    await run(fakeProvisioner(), { tiers: ['ro'] }, (e) => events.push(e));
    expect(events.map((e) => e.kind)).toEqual(['role-started', 'database-done', 'database-done', 'database-done', 'role-done']);
    expect(events.at(-2)).toMatchObject({ done: 3, total: 3 });
  });

  it('uses the prefix for user names', async () => {
    const report = await run(fakeProvisioner(), { userPrefix: 'acme' });
    expect(report.roles.map((r) => r.user)).toEqual(['acme_ro', 'acme_rw', 'acme_ddl']);
  });
});

describe('provisionRoles when the server cannot be reached', () => {
  it('fails every role with the connect error, redacted', async () => {
    const provisioner: RoleProvisioner = {
      family: 'postgres',
      isAuthenticationError: () => true,
      connect: async () => {
        throw new Error(`password authentication failed (${target.password})`);
      },
    };
    const report = await provisionRoles(
      { engine: 'postgres', target, tiers: ['ro', 'rw'] },
      { provisioners: { postgres: provisioner, mysql: provisioner, sqlserver: provisioner } },
    );
    expect(report.status).toBe('failed');
    for (const role of report.roles) {
      expect(role.message).toBe('connect to db.internal:5432 as master "master": password authentication failed (REDACTED)');
      expect(role.password).toBeUndefined();
    }
  });
});
