import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
}

export interface SvixCapture {
  readonly url: string;
  readonly requests: CapturedRequest[];
  /** Bodies of message-create calls (what a Svix endpoint would receive as payload). */
  messages(): Array<{ eventType: string; payload: { event_type: string; event_payload: Record<string, unknown> } }>;
  stop(): Promise<void>;
}

/** A local stand-in for the Svix API: answers application getOrCreate and message create, and records both. */
export async function startSvixCapture(): Promise<SvixCapture> {
  const requests: CapturedRequest[] = [];
  let messageCount = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? JSON.parse(text) : undefined;
      const path = req.url ?? '';
      requests.push({ method: req.method ?? '', path, headers: req.headers, body });
      const now = new Date().toISOString();
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST' && /^\/api\/v1\/app\/?(\?|$)/.test(path)) {
        res.statusCode = 200;
        res.end(JSON.stringify({ id: `app_${body.uid}`, uid: body.uid, name: body.name, createdAt: now, updatedAt: now, metadata: {} }));
        return;
      }
      const msg = /^\/api\/v1\/app\/([^/]+)\/msg\/?/.exec(path);
      if (req.method === 'POST' && msg) {
        messageCount += 1;
        res.statusCode = 202;
        res.end(JSON.stringify({ id: `msg_${messageCount}`, eventType: body.eventType, payload: body.payload, timestamp: now }));
        return;
      }
      res.statusCode = 404;
      res.end(JSON.stringify({ code: 'not_found', detail: 'not found' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    messages: () => requests.filter((r) => /\/msg\/?/.test(r.path)).map((r) => r.body as never),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
