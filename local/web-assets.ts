import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpResponse } from '../lambdas/api/http-errors.ts';

/** An answer with a file's bytes. */
export type WebResponse = Omit<HttpResponse, 'body'> & { body: string | Buffer };

/** Where `npm run build:web` writes the console. */
export const WEB_DIST = fileURLToPath(new URL('../web/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

// The page loads only its own scripts and styles and talks only to its own origin; no frame may hold it.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>dbroles</title>
<p>The dbroles web console is not built. Run <code>npm run build:web</code> (<code>npm start</code> builds it), then reload.
The API is served under <code>/api/</code>.</p>`;

/**
 * The web console's files for a GET outside /api/: `/` is index.html, `/config.json` tells the page
 * to ask for the bearer token, `/assets/*` are the built files. Anything else is a 404.
 */
export async function serveWebAsset(urlPath: string, root = WEB_DIST): Promise<WebResponse> {
  const text = (statusCode: number, body: string, type = 'text/plain; charset=utf-8'): WebResponse => ({
    statusCode,
    headers: { 'content-type': type, 'cache-control': 'no-store', ...SECURITY_HEADERS },
    body,
  });
  if (urlPath === '/config.json') return text(200, JSON.stringify({ auth: 'token' }), TYPES['.json']);
  const file = urlPath === '/' || urlPath === '/index.html' ? 'index.html' : urlPath.startsWith('/assets/') ? normalize(urlPath.slice(1)) : undefined;
  if (!file || file.startsWith('..') || file.includes(`..${sep}`)) return text(404, 'not found');
  try {
    const body = await readFile(join(root, file));
    const immutable = file.startsWith(`assets${sep}`);
    return {
      statusCode: 200,
      headers: {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        // Built assets carry a content hash in their names; index.html must always be fresh.
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-store',
        ...SECURITY_HEADERS,
      },
      body,
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return file === 'index.html' ? text(503, NOT_BUILT, TYPES['.html']) : text(404, 'not found');
  }
}
