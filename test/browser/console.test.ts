import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { directResourceKey } from '../../lambdas/core/target.ts';
import { accountId, fakeOrganization } from '../support/fake-organization.ts';
import { pgRun } from '../support/pg.ts';
import { PG_HOST, PG_PORT, PG_SUPERUSER, suffix } from '../support/servers.ts';
import { buildWebConsole, CHROMIUM, launchChromium, SCREENSHOTS } from './browser.ts';

// The web console in Debian's Chromium, against the local runtime in this process: AWS is mocked at
// the SDK (aws-sdk-client-mock reaches the runtime's clients), PostgreSQL is the real local server.
const present = existsSync(CHROMIUM);
if (!present) console.log(`browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);

describe.skipIf(!present)('the web console in Chromium', () => {
  const s = suffix();
  const admin = `dbr_web_${s}`;
  const database = `dbr_${s}_web`;
  const prefix = `web-${s}`;
  const su = (db = 'postgres') => ({ host: PG_HOST, port: PG_PORT, user: PG_SUPERUSER, database: db });
  let dataDir: string;
  let runtime: LocalRuntime;
  let browser: Browser;
  let page: Page;
  let org: ReturnType<typeof fakeOrganization>;
  const consoleErrors: string[] = [];
  /** The "Database given directly" form, filled for the local PostgreSQL and this file's master. */
  const fillDirectForm = async (name: string, connectionPrefix: string) => {
    await page.goto(`${runtime.url}/#/direct`);
    await page.getByRole('textbox', { name: 'Master password' }).waitFor();
    const field = (label: string) => page.getByRole('textbox', { name: label, exact: true });
    await field('Host').fill(PG_HOST);
    await field('Port').fill(String(PG_PORT));
    await field('Master user').fill(admin);
    await page.getByRole('textbox', { name: 'Master password' }).fill(`pw-${s}`);
    await field('Databases').fill(database);
    await field('Name').fill(name);
    await field('Connection prefix').fill(connectionPrefix);
  };
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    await buildWebConsole();
    await mkdir(SCREENSHOTS, { recursive: true });
    org = fakeOrganization({ accounts: 3, regions: ['us-east-1'], latencyMs: 0, brokenAccounts: [accountId(2)] });
    await pgRun(su(), [`CREATE ROLE ${admin} LOGIN CREATEROLE PASSWORD 'pw-${s}'`, `CREATE DATABASE ${database} OWNER ${admin}`]);
    await pgRun({ ...su(database), user: admin }, ['CREATE SCHEMA app', 'CREATE TABLE app.orders (id serial PRIMARY KEY, v text)']);
    dataDir = await mkdtemp(join(tmpdir(), 'dbroles-web-'));
    runtime = await startLocalRuntime({
      dataDir,
      port: 0,
      waitMs: 20,
      env: { ...process.env, INTEGRATION_AWS_INSTANCE_ROLE_ALLOW: 'true', AWS_REGION: 'us-east-1', DBROLES_RUNBOOKS_DIR: undefined, DBROLES_RUNBOOKS_GIT_URL: undefined },
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(15_000);
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
  });

  afterAll(async () => {
    await browser?.close();
    await runtime?.stop({ wait: false });
    org?.restore();
    await pgRun(su(), [`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`]).catch(() => undefined);
    await pgRun(su(), [`DROP ROLE IF EXISTS ${admin}`]).catch(() => undefined);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('asks for the token once, refuses a wrong one in plain words, and keeps it out of the URL', async () => {
    await page.goto(`${runtime.url}/`);
    const tokenInput = page.getByLabel('Bearer token');
    await tokenInput.focus();
    await page.keyboard.type('not-the-token-not-the-token-not-the-token');
    await page.keyboard.press('Enter');
    await page.getByText('This token was not accepted').first().waitFor();
    await shot('01-token');
    await tokenInput.fill('');
    await page.keyboard.type(runtime.token);
    await page.keyboard.press('Enter');
    await page.getByText('No jobs yet').waitFor();
    expect(page.url()).not.toContain(runtime.token);
    expect(await page.evaluate("sessionStorage.getItem('dbroles.token')")).toBe(runtime.token);
    await shot('02-jobs-empty');
    // Only the deliberate wrong token was answered 401.
    expect(consoleErrors.filter((e) => !e.includes('401'))).toEqual([]);
    consoleErrors.length = 0;
  });

  it('shows who dbroles is and offers the instance role the server allows', async () => {
    await page.goto(`${runtime.url}/#/aws`);
    await page.getByText('Instance or task role').waitFor();
    expect(await page.getByText('100000000000').count()).toBeGreaterThan(0);
    expect(await page.getByRole('radio', { name: /Instance role/ }).isDisabled()).toBe(false);
    await shot('03-aws-access');
  });

  it('lists the accounts, then every database with unsupported ones and a failing account shown, not selectable', async () => {
    await page.goto(`${runtime.url}/#/accounts`);
    await page.getByText('team-1', { exact: true }).waitFor();
    await shot('04-accounts');
    await page.getByRole('button', { name: 'Find databases' }).click();
    await page.getByText('could not be read').first().waitFor();
    const rows = page.locator('table tbody tr');
    await expect.poll(async () => rows.count(), { timeout: 15_000 }).toBeGreaterThan(10);
    const row = (text: string) => rows.filter({ hasText: text });
    expect(await row('engine oracle-ee is not supported').count()).toBe(2);
    expect(await row(`${accountId(2)} us-east-1`).getByRole('checkbox').isDisabled()).toBe(true);
    expect(await row('a reader: provision the writer').first().getByRole('checkbox').isDisabled()).toBe(true);
    await shot('05-databases');
    // Filter, then choose one database and review it.
    await page.getByPlaceholder('Find databases').fill('team-0');
    await expect.poll(async () => rows.count(), { timeout: 15_000 }).toBe(6);
    await row('aurora-w').getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Review (1)' }).click();
    await page.getByText(`aurora-w-${accountId(0)}`).waitFor();
    await page.getByPlaceholder('10.10.10.10/32').fill('10.0.0.300/32');
    await page.getByText('must be an IPv4 CIDR').waitFor();
    expect(await page.getByRole('button', { name: 'Start the job' }).isDisabled()).toBe(true);
    await shot('06-review');
  });

  it('shows the plan of a dry run from the form: every change listed, passwords REDACTED, nothing created', async () => {
    await fillDirectForm(`plan-${s}`, `plan-${s}`);
    await page.getByRole('checkbox', { name: 'Show the plan only (dry run)' }).check();
    await page.getByRole('button', { name: 'Provision database' }).click();
    await page.waitForURL(/#\/jobs\/.+/);
    await page.getByText('plan only: nothing was changed').first().waitFor({ timeout: 30_000 });
    await shot('07b-plan');
    await expect.poll(async () => page.getByText(/GRANT SELECT ON ALL TABLES IN SCHEMA .*"app".* TO "hoop_ro"/).count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await page.getByText(/PASSWORD 'REDACTED'/).count()).toBeGreaterThan(0);
    expect(await page.getByRole('heading', { name: /Plan/ }).count()).toBeGreaterThan(0);
    expect((await runtime.deps.connections.list()).filter((c) => c.name.startsWith(`plan-${s}`))).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('provisions the local PostgreSQL from the form and follows the job live to completed', async () => {
    await fillDirectForm(`web-${s}`, prefix);
    await shot('07-direct');
    // An API refusal reads as the API's message: this server has no Vault.
    await page.getByRole('radio', { name: 'HashiCorp Vault (KV v2)' }).check();
    await page.getByPlaceholder('dbroles/prod').fill('dbroles/test');
    await page.getByRole('button', { name: 'Provision database' }).click();
    await page.getByText('vault_provider: Vault is not configured here').first().waitFor();
    expect(await page.getByText(/\b400\b/).count()).toBe(0);
    await page.getByRole('radio', { name: "dbroles' own store" }).check();
    await page.getByRole('button', { name: 'Provision database' }).click();
    await page.waitForURL(/#\/jobs\/.+/);
    const jobId = decodeURIComponent(page.url().split('#/jobs/')[1] ?? '');
    await page.getByRole('heading', { name: new RegExp(`Job ${jobId}`) }).waitFor();
    await page.getByText('All user roles have been successfully provisioned').first().waitFor({ timeout: 30_000 });
    const grid = page.locator('table').filter({ hasText: 'hoop_ddl' }).last();
    await expect.poll(async () => grid.getByText(database).count(), { timeout: 15_000 }).toBe(1);
    expect(await page.getByText('Prepare', { exact: true }).count()).toBe(1);
    await shot('08-job-completed');
    // Chromium logs the deliberate 400 as a failed resource; nothing else.
    expect(consoleErrors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    consoleErrors.length = 0;
  });

  it('shows a connection and reveals its credentials, as stored', async () => {
    await page.goto(`${runtime.url}/#/connections`);
    const row = page.locator('table tbody tr').filter({ hasText: `${prefix}-ro` });
    await row.getByRole('radio').check();
    await page.getByRole('button', { name: 'Show credentials' }).click();
    await page.getByRole('button', { name: 'Reveal password' }).click();
    const stored = await runtime.deps.secretStores.reader('database').read(`${directResourceKey('postgres', PG_HOST, PG_PORT)}/hoop_ro`);
    await page.getByRole('dialog').getByText(stored.password).waitFor();
    await shot('09-credentials');
    await page.keyboard.press('Escape');
    await expect.poll(async () => page.getByRole('dialog').count(), { timeout: 15_000 }).toBe(0);
    expect(consoleErrors).toEqual([]);
  });

  it('says "not permitted" in words when the API refuses the credentials route (the auditor policy, deployed)', async () => {
    // API Gateway's own answer to a caller whose IAM policy denies the route.
    await page.route('**/api/connections/*/credentials', (route) =>
      route.fulfill({ status: 403, contentType: 'application/json', body: JSON.stringify({ Message: 'User: arn:aws:sts::111111111111:assumed-role/auditor/alice is not authorized to perform: execute-api:Invoke' }) }),
    );
    await page.goto(`${runtime.url}/#/connections`);
    await page.locator('table tbody tr').filter({ hasText: `${prefix}-rw` }).getByRole('radio').check();
    await page.getByRole('button', { name: 'Show credentials' }).click();
    await page.getByRole('dialog').getByText('Not permitted').waitFor();
    expect(await page.getByRole('dialog').getByText('auditor policy', { exact: false }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Reveal password' }).count()).toBe(0);
    await shot('10-credentials-not-permitted');
    await page.unroute('**/api/connections/*/credentials');
  });
});
