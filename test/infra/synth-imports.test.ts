import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DRIVERS = /\/node_modules\/(pg|pg-pool|mysql2|tedious|mssql|svix|isomorphic-git)\//;

describe('cdk synth', () => {
  it('loads no database driver, svix or git: lib/ reads the task registry, not the tasks', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dbroles-synth-imports-'));
    const record = join(dir, 'imports.txt');
    try {
      const register = `import { register } from 'node:module'; register(${JSON.stringify(new URL('../support/record-imports.mjs', import.meta.url).href)});`;
      await new Promise<void>((resolve, reject) =>
        execFile(
          process.execPath,
          ['--import', 'tsx', '--import', `data:text/javascript,${encodeURIComponent(register)}`, 'bin/dbroles.ts'],
          {
            cwd: ROOT,
            // The app as `cdk synth` builds it, without bundling the functions (that runs esbuild, not our code).
            env: { ...process.env, RECORD_IMPORTS_TO: record, CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [] }), CDK_OUTDIR: join(dir, 'cdk.out') },
          },
          (error, _stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve()),
        ),
      );
      const loaded = (await readFile(record, 'utf8')).split('\n').filter(Boolean);
      expect(loaded.some((url) => url.includes('/lib/dbroles-stack.ts'))).toBe(true);
      expect(loaded.some((url) => url.includes('/node_modules/aws-cdk-lib/'))).toBe(true);
      expect(loaded.filter((url) => DRIVERS.test(url))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
