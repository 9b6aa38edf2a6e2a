/**
 * How every dbroles function is bundled: one ESM file for Node 22 (plus its source map) per handler,
 * by esbuild. Runs in its own process at synth (see TaskFunction), because esbuild's plugins need its
 * asynchronous API and CDK's local bundling is synchronous:
 *
 *   node --import tsx lib/function-bundle.ts <entry.ts> <output dir>
 */
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The esbuild options of every function, and of the bench's reference bundle. */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minify: true,
  sourcemap: true,
  // Source maps without the sources: a stack trace maps to file:line without Node parsing 15 MB first.
  sourcesContent: false,
  logLevel: 'warning',
  mainFields: ['module', 'main'],
  // Bundled CommonJS dependencies call require(); an ESM file has none of its own.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  external: ['pg-native', 'msnodesqlv8', 'cloudflare:sockets'],
} satisfies BuildOptions;

/**
 * The AWS SDK's generated schemas write trait keys as computed keys (`{ [_xN]: _GIr }`), and esbuild
 * keeps any statement with a computed key, since evaluating the key could have a side effect. So
 * every schema of a client stays in the bundle, used or not: 540 KB of EC2 for four commands
 * (aws/aws-sdk-js-v3#7607, evanw/esbuild#4373). The keys are the file's own string constants, so
 * writing them as literal keys changes nothing at run time and lets esbuild drop unused schemas.
 */
export const sdkSchemaLiteralKeys: Plugin = {
  name: 'sdk-schema-literal-keys',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const strings = new Map<string, string>();
      for (const match of source.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)) strings.set(match[1] ?? '', match[2] ?? '');
      const contents = source.replace(/\[(_\w+)\]:/g, (key: string, name: string) => {
        const literal = strings.get(name);
        return literal === undefined ? key : `${literal}:`;
      });
      return { contents, loader: 'js' };
    });
  },
};

/** Bundles one handler file into `<outdir>/index.mjs` (and its map). */
export async function bundleFunction(entry: string, outdir: string): Promise<void> {
  await build({ ...BUNDLE_OPTIONS, entryPoints: [entry], outfile: join(outdir, 'index.mjs'), plugins: [sdkSchemaLiteralKeys] });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [entry, outdir] = process.argv.slice(2);
  if (!entry || !outdir) {
    console.error('usage: node --import tsx lib/function-bundle.ts <entry.ts> <output dir>');
    process.exit(2);
  }
  await bundleFunction(entry, outdir);
}
