import { build } from 'esbuild';
const r = await build({ entryPoints: [process.argv[2]], bundle: true, platform: 'node', format: 'esm', target: 'node22', minify: true, metafile: true, write: false, mainFields: ['module','main'], outfile: '/tmp/x.mjs',
 banner: { js: "import { createRequire } from 'module';const require = createRequire(import.meta.url);" }, external: [] });
const out = Object.values(r.metafile.outputs)[0];
console.log('total', (out.bytes/1024).toFixed(0), 'KB');
const byPkg = {};
for (const [f, v] of Object.entries(out.inputs)) { const m = f.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/); const k = m ? m[1] : f.split('/').slice(0,2).join('/'); byPkg[k] = (byPkg[k]||0)+v.bytesInOutput; }
for (const [k,v] of Object.entries(byPkg).sort((a,b)=>b[1]-a[1]).slice(0,25)) console.log((v/1024).toFixed(0).padStart(6), k);
const files = Object.entries(out.inputs).sort((a,b)=>b[1].bytesInOutput-a[1].bytesInOutput).slice(0,10);
for (const [f,v] of files) console.log((v.bytesInOutput/1024).toFixed(0).padStart(6), f);
