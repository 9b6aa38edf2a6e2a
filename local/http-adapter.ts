import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { HttpResponse } from '../lambdas/api/http-errors.ts';
import { MAX_BODY_BYTES } from '../lambdas/api/request.ts';
import { serveWebAsset, type WebResponse } from './web-assets.ts';

/** Reads a request body, refusing one larger than the API accepts. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The HTTP API's payload v2 event for a node:http request, as API Gateway would build it. */
export function toApiEvent(req: IncomingMessage, body: string): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://local');
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : (v ?? '')]));
  const query = Object.fromEntries(url.searchParams.entries());
  const method = (req.method ?? 'GET').toUpperCase();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: Object.keys(query).length > 0 ? query : undefined,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: req.socket.remoteAddress ?? '', userAgent: headers['user-agent'] ?? '' },
      requestId: crypto.randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    body: body === '' ? undefined : body,
    isBase64Encoded: false,
  };
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The shortest bearer token the local API accepts. */
export const MIN_TOKEN_LENGTH = 32;

/**
 * Serves the API handler over node:http. Under /api/ a request needs `Authorization: Bearer
 * <token>`, and is refused when it carries an Origin other than the server's own (a web page on
 * another site: 403) or when a POST/PUT body is not `application/json` (415: no form posts). A GET
 * outside /api/ is the web console's files (local/web-assets.ts), which need no token: the page
 * asks for it.
 */
export function createApiServer(handle: (event: APIGatewayProxyEventV2) => Promise<HttpResponse>, token: string): Server {
  const server: Server = createServer((req, res) => {
    const send = (response: WebResponse) => {
      res.writeHead(response.statusCode, response.headers);
      res.end(response.body);
    };
    const json = (statusCode: number, message: string): HttpResponse => ({
      statusCode,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ message }),
    });
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    if (!path.startsWith('/api/')) {
      req.resume();
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        send(json(404, `no route for ${req.method ?? 'GET'} ${path}`));
        return;
      }
      serveWebAsset(path).then(send, () => send(json(500, 'internal error')));
      return;
    }
    const origin = req.headers.origin;
    const port = (server.address() as { port?: number } | null)?.port;
    if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) {
      req.resume();
      send(json(403, `requests from ${origin} are refused: the dbroles API answers its own pages and the CLI only`));
      return;
    }
    if (!bearerMatches(req.headers.authorization, token)) {
      req.resume();
      send({ ...json(401, 'missing or wrong bearer token (Authorization: Bearer <token>)'), headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer' } });
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if ((method === 'POST' || method === 'PUT') && type !== 'application/json') {
      req.resume();
      send(json(415, `${method} needs Content-Type: application/json`));
      return;
    }
    readBody(req)
      .then((body) => (body === undefined ? json(413, 'body too large') : handle(toApiEvent(req, body))))
      .then(send, () => send(json(500, 'internal error')));
  });
  return server;
}
