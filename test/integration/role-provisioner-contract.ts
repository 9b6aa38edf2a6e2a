import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionTarget, EngineName, RoleTier } from '../../lambdas/core/engines/types.ts';
import { type ProvisionReport } from '../../lambdas/core/provision.ts';
import { provisionAnyEngine } from '../../lambdas/core/provision-any-engine.ts';
import type { Attempt } from '../support/pg.ts';

/** One row of the privilege table: a tier tries an action in a fixture database. */
export interface PrivilegeCase {
  readonly tier: RoleTier;
  readonly action: string;
  readonly statements: (database: string) => string[];
  /** 'allow', or the error codes a refusal may carry (SQLSTATE or MySQL errno). */
  readonly expect: 'allow' | ReadonlyArray<string>;
}

export interface HarnessSetup {
  readonly target: ConnectionTarget;
  /** Databases the provisioning is restricted to; undefined = every database on the server. */
  readonly databases?: ReadonlyArray<string>;
  /** Databases with the fixture schemas and tables. */
  readonly fixtureDatabases: ReadonlyArray<string>;
  readonly prefix: string;
}

/** What the contract suite needs from an engine and its server. */
export interface EngineHarness {
  readonly label: string;
  readonly engine: EngineName;
  /** false for the trust-auth PostgreSQL on 5432, where any password logs in. */
  readonly checksPasswords: boolean;
  setup(): Promise<HarnessSetup>;
  teardown(): Promise<void>;
  tryAs(user: string, password: string, database: string, statements: string[]): Promise<Attempt>;
  asMaster(database: string, statements: string[]): Promise<void>;
  readonly cases: ReadonlyArray<PrivilegeCase>;
  /** Statements the master runs after provisioning, creating a table the users must then reach. */
  readonly masterCreatesLater: (database: string) => string[];
  readonly afterMasterCreated: ReadonlyArray<PrivilegeCase>;
  /** Statements hoop_ddl runs after provisioning, creating a table the other users must then reach. */
  readonly ddlCreatesLater: (database: string) => string[];
  readonly afterDdlCreated: ReadonlyArray<PrivilegeCase>;
  /** A privilege an operator grants by hand (as master) and the check that it is still there. */
  readonly handGrant: { readonly grant: (database: string, users: Record<RoleTier, string>) => string[]; readonly check: PrivilegeCase };
  /** Any probe that works for every tier, to check a login. */
  readonly loginProbe: string;
}

function expectAttempt(attempt: Attempt, expected: PrivilegeCase['expect'], label: string): void {
  if (expected === 'allow') {
    expect(attempt, label).toEqual({ ok: true });
  } else {
    expect(attempt.ok, `${label}: should be refused`).toBe(false);
    if (!attempt.ok) expect(expected, `${label}: ${attempt.message}`).toContain(attempt.code);
  }
}

/**
 * The behaviour every RoleProvisioner must show, proven by logging in as each provisioned user.
 * Tests run in order: provision, check, create later objects, rerun.
 */
export function describeRoleProvisioner(harness: EngineHarness): void {
  describe(`RoleProvisioner contract: ${harness.label}`, () => {
    let setup: HarnessSetup;
    let first: ProvisionReport;
    const users = {} as Record<RoleTier, string>;
    const passwords = {} as Record<RoleTier, string>;

    const provision = () =>
      provisionAnyEngine({
        engine: harness.engine,
        target: setup.target,
        tiers: ['ro', 'rw', 'ddl'],
        userPrefix: setup.prefix,
        databases: setup.databases,
      });

    beforeAll(async () => {
      setup = await harness.setup();
      first = await provision();
      for (const role of first.roles) {
        users[role.tier] = role.user;
        passwords[role.tier] = role.password ?? '';
      }
    });
    afterAll(async () => {
      await harness.teardown();
    });

    it('completes every role in every database and creates the users', () => {
      expect(first.message).toBe('All user roles have been successfully provisioned');
      for (const role of first.roles) {
        expect(role, `${role.tier}: ${role.message}`).toMatchObject({ status: 'completed', created: true, message: '' });
        expect(role.databases.map((d) => d.database)).toEqual(expect.arrayContaining([...setup.fixtureDatabases]));
        expect(role.databases.every((d) => d.status === 'completed')).toBe(true);
      }
      expect(new Set(Object.values(passwords)).size).toBe(3);
    });

    it('grants exactly the tier: each user tries each action in every fixture database', async () => {
      for (const database of setup.fixtureDatabases) {
        for (const c of harness.cases) {
          const attempt = await harness.tryAs(users[c.tier], passwords[c.tier], database, c.statements(database));
          expectAttempt(attempt, c.expect, `${c.tier} ${c.action} in ${database}`);
        }
      }
    });

    it('covers tables the master creates after provisioning', async () => {
      for (const database of setup.fixtureDatabases) {
        await harness.asMaster(database, harness.masterCreatesLater(database));
        for (const c of harness.afterMasterCreated) {
          const attempt = await harness.tryAs(users[c.tier], passwords[c.tier], database, c.statements(database));
          expectAttempt(attempt, c.expect, `${c.tier} ${c.action} in ${database}`);
        }
      }
    });

    it('covers tables hoop_ddl creates after provisioning', async () => {
      for (const database of setup.fixtureDatabases) {
        const created = await harness.tryAs(users.ddl, passwords.ddl, database, harness.ddlCreatesLater(database));
        expect(created, `ddl creates a table in ${database}`).toEqual({ ok: true });
        for (const c of harness.afterDdlCreated) {
          const attempt = await harness.tryAs(users[c.tier], passwords[c.tier], database, c.statements(database));
          expectAttempt(attempt, c.expect, `${c.tier} ${c.action} in ${database}`);
        }
      }
    });

    it('on rerun changes every password, drops no user and keeps grants, also hand-made ones', async () => {
      const database = setup.fixtureDatabases[0] ?? '';
      await harness.asMaster(database, harness.handGrant.grant(database, users));
      const second = await provision();
      expect(second.status).toBe('completed');
      for (const role of second.roles) {
        expect(role.created, `${role.tier} must be updated, not created`).toBe(false);
        expect(role.password).not.toBe(passwords[role.tier]);
        const login = await harness.tryAs(role.user, role.password ?? '', database, [harness.loginProbe]);
        expect(login, `${role.tier} logs in with the new password`).toEqual({ ok: true });
        if (harness.checksPasswords) {
          const old = await harness.tryAs(role.user, passwords[role.tier], database, [harness.loginProbe]);
          expect(old.ok, `${role.tier}: the old password must no longer work`).toBe(false);
        }
        passwords[role.tier] = role.password ?? '';
      }
      const c = harness.handGrant.check;
      expectAttempt(await harness.tryAs(users[c.tier], passwords[c.tier], database, c.statements(database)), c.expect, 'hand-made grant');
      for (const c of harness.cases) {
        const attempt = await harness.tryAs(users[c.tier], passwords[c.tier], database, c.statements(database));
        expectAttempt(attempt, c.expect, `after rerun: ${c.tier} ${c.action}`);
      }
    });
  });
}
