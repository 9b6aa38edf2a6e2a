/**
 * The web console's weight and the README's screenshots. Builds the console, starts the local
 * runtime (AWS mocked at the SDK, the local PostgreSQL for real), loads each screen in Debian's
 * Chromium with an empty cache and prints the bytes it fetched (as served, and gzipped as CloudFront
 * would send them). With --screenshots <dir> it also saves the databases table and a running job.
 *
 *   npm run bench:web [-- --screenshots docs]
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
await import('../local/polyfills.ts');
const { startLocalRuntime } = await import('../local/runtime.ts');
const { fakeOrganization, accountId } = await import('../test/support/fake-organization.ts');
const { buildWebConsole, launchChromium } = await import('../test/browser/browser.ts');
const { pgRun } = await import('../test/support/pg.ts');
const { PG_HOST, PG_PORT, PG_SUPERUSER, suffix } = await import('../test/support/servers.ts');

const shotsAt = process.argv.indexOf('--screenshots');
const shotsDir = shotsAt > 0 ? process.argv[shotsAt + 1] : undefined;

await buildWebConsole();
const org = fakeOrganization({ accounts: 4, regions: ['us-east-1'], latencyMs: 0, brokenAccounts: [accountId(3)] });
const dataDir = await mkdtemp(join(tmpdir(), 'dbroles-bench-web-'));
const runtime = await startLocalRuntime({ dataDir, port: 0, waitMs: 20, env: { ...process.env, INTEGRATION_AWS_INSTANCE_ROLE_ALLOW: 'true', AWS_REGION: 'us-east-1' } });
const browser = await launchChromium();
const s = suffix();
const admin = `dbr_bweb_${s}`;
const databases = Array.from({ length: 60 }, (_, i) => `dbr_${s}_app${i}`);
try {
  console.log('screen        requests   served KB   gzip KB   (empty cache, token entered, API answers excluded)');
  for (const screen of ['jobs', 'databases', 'direct', 'connections']) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript({ content: `sessionStorage.setItem('dbroles.token', ${JSON.stringify(runtime.token)})` });
    const page = await context.newPage();
    const sizes: Array<{ raw: number; gzip: number }> = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname.startsWith('/api/')) return;
      sizes.push({ raw: 0, gzip: 0 });
      const entry = sizes[sizes.length - 1];
      void response.body().then(
        (body) => {
          if (entry) Object.assign(entry, { raw: body.length, gzip: gzipSync(body).length });
        },
        () => undefined,
      );
    });
    await page.goto(`${runtime.url}/#/${screen}`);
    await page.waitForLoadState('networkidle');
    await new Promise((r) => setTimeout(r, 300));
    const raw = sizes.reduce((a, b) => a + b.raw, 0);
    const gzip = sizes.reduce((a, b) => a + b.gzip, 0);
    console.log(`${screen.padEnd(13)} ${String(sizes.length).padStart(8)} ${(raw / 1024).toFixed(0).padStart(11)} ${(gzip / 1024).toFixed(0).padStart(9)}`);
    if (shotsDir && screen === 'databases') {
      await mkdir(shotsDir, { recursive: true });
      await page.getByText('could not be read').first().waitFor();
      await page.screenshot({ path: join(shotsDir, 'console-databases.png') });
    }
    await context.close();
  }
  if (shotsDir) {
    // A job over 60 databases, caught while it runs.
    await pgRun({ host: PG_HOST, port: PG_PORT, user: PG_SUPERUSER, database: 'postgres' }, [
      `CREATE ROLE ${admin} LOGIN CREATEROLE PASSWORD 'pw-${s}'`,
      ...databases.map((d) => `CREATE DATABASE ${d} OWNER ${admin}`),
    ]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript({ content: `sessionStorage.setItem('dbroles.token', ${JSON.stringify(runtime.token)})` });
    const page = await context.newPage();
    const posted = await fetch(`${runtime.url}/api/dbroles/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${runtime.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        connection_prefix_name: `bench-${s}`,
        job_steps: ['create-connections'],
        target: { engine: 'postgres', host: PG_HOST, port: PG_PORT, master_user: admin, master_password: `pw-${s}`, name: 'orders-db', databases },
      }),
    }).then((r) => r.json() as Promise<{ job_id: string }>);
    await page.goto(`${runtime.url}/#/jobs/${posted.job_id}`);
    await page.getByText('MasterCredentials').waitFor({ timeout: 20_000 });
    const phase = await fetch(`${runtime.url}/api/dbroles/jobs/${posted.job_id}`, { headers: { authorization: `Bearer ${runtime.token}` } }).then((r) => r.json() as Promise<{ status: { phase: string } }>);
    await page.screenshot({ path: join(shotsDir, 'console-job-running.png') });
    if (phase.status.phase !== 'running') console.log(`note: the job was already ${phase.status.phase} when the screenshot was taken`);
    await runtime.idle();
    await context.close();
    console.log(`screenshots: ${shotsDir}/console-databases.png, ${shotsDir}/console-job-running.png`);
  }
} finally {
  await browser.close();
  await runtime.stop({ wait: false });
  org.restore();
  await pgRun({ host: PG_HOST, port: PG_PORT, user: PG_SUPERUSER, database: 'postgres' }, [
    ...databases.map((d) => `DROP DATABASE IF EXISTS ${d} WITH (FORCE)`),
    `DROP ROLE IF EXISTS ${admin}`,
  ]).catch(() => undefined);
  await rm(dataDir, { recursive: true, force: true });
}
