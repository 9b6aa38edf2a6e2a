import { describe, expect, it } from 'vitest';
import * as sql from '../../../../../lambdas/core/engines/sqlserver/sql.ts';

describe('sqlserver sql', () => {
  it('maps each tier to its fixed database roles in one idempotent batch', () => {
    for (const tier of ['ro', 'rw', 'ddl'] as const) {
      expect(sql.userInDatabase('hr]x', `hoop_${tier}`, tier).text).toMatchSnapshot(tier);
    }
  });

  it('creates a login with the password policy on, or changes only its password', () => {
    expect(sql.createLogin('hoop_ro', "p'w")).toEqual({
      text: "CREATE LOGIN [hoop_ro] WITH PASSWORD = N'p''w', DEFAULT_DATABASE = [master], CHECK_EXPIRATION = OFF, CHECK_POLICY = ON",
      secret: true,
    });
    expect(sql.changePassword('hoop_ro', 'pw')).toEqual({ text: "ALTER LOGIN [hoop_ro] WITH PASSWORD = N'pw'", secret: true });
  });

  it('lists only ONLINE user databases', () => {
    expect(sql.selectDatabases).toMatchSnapshot();
  });
});
