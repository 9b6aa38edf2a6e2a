import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { serveWebAsset } from '../../local/web-assets.ts';

let root: string;
let outside: string;
beforeAll(async () => {
  outside = await mkdtemp(join(tmpdir(), 'dbroles-web-'));
  root = join(outside, 'dist');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<!doctype html><title>dbroles</title>');
  await writeFile(join(root, 'assets', 'app-abc123.js'), 'console.log(1)');
  await writeFile(join(outside, 'secret.txt'), 'not to be served');
});

describe('the local server’s web console files', () => {
  it('serves index.html fresh and hashed assets as immutable, with their types and the security headers', async () => {
    const index = await serveWebAsset('/', root);
    expect(index).toMatchObject({ statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-frame-options': 'DENY' } });
    const asset = await serveWebAsset('/assets/app-abc123.js', root);
    expect(asset).toMatchObject({ statusCode: 200, headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=31536000, immutable' } });
    expect(String(asset.body)).toBe('console.log(1)');
  });

  it('never serves a file outside the assets folder', async () => {
    for (const path of ['/assets/../../secret.txt', '/assets/../index.html/../../secret.txt', '/secret.txt', '/assets/%2e%2e/secret.txt', '/assets/missing.js']) {
      expect((await serveWebAsset(path, root)).statusCode, path).toBe(404);
    }
  });

  it('says how to build the console when it is not built', async () => {
    const r = await serveWebAsset('/', join(outside, 'nowhere'));
    expect(r.statusCode).toBe(503);
    expect(String(r.body)).toContain('npm run build:web');
  });
});
