import { describe, expect, it } from 'vitest';
import * as sql from '../../../../../lambdas/core/engines/mysql/sql.ts';

describe('mysql sql', () => {
  it('grants each tier on one escaped database, never on *.*', () => {
    for (const tier of ['ro', 'rw', 'ddl'] as const) {
      const statement = sql.grantOnDatabase(tier, 'shop_eu', `hoop_${tier}`, true);
      expect(statement.text).toMatchSnapshot(tier);
      expect(statement.text).not.toContain('*.*');
    }
  });

  it('leaves _ and % alone when partial_revokes takes them literally', () => {
    expect(sql.grantOnDatabase('ro', 'shop_eu', 'hoop_ro', false).text).toBe("GRANT SELECT, SHOW VIEW ON `shop_eu`.* TO 'hoop_ro'@'%'");
  });

  it('creates without dropping and changes only the password, flagged secret', () => {
    const create = sql.createUserIfMissing('hoop_ro', "p'w");
    expect(create).toEqual({ text: "CREATE USER IF NOT EXISTS 'hoop_ro'@'%' IDENTIFIED BY 'p\\'w'", secret: true });
    expect(sql.changePassword('hoop_ro', 'pw')).toEqual({ text: "ALTER USER 'hoop_ro'@'%' IDENTIFIED BY 'pw'", secret: true });
  });

  it('excludes the system schemas from the database list', () => {
    expect(sql.selectDatabases).toMatchSnapshot();
  });
});

describe('IAM-authenticated users (SQL)', () => {
  it('creates the account with AWSAuthenticationPlugin and TLS required, or switches an existing one', () => {
    expect(sql.iamUser('hoop_ro', false).text).toBe("CREATE USER IF NOT EXISTS 'hoop_ro'@'%' IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS' REQUIRE SSL");
    expect(sql.iamUser('hoop_ro', true).text).toBe("ALTER USER 'hoop_ro'@'%' IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS' REQUIRE SSL");
  });
});
