import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeRequest, type ApiDeps } from '../../lambdas/api/router.ts';
import { ENGINE_FAMILIES } from '../../lambdas/core/engines/types.ts';
import { toApiEvent } from '../../local/http-adapter.ts';
import { startDynalite, type EmbeddedDynamo } from '../../local/embedded-dynamodb.ts';
import { workflowDepsFor } from '../support/workflow-deps.ts';
import type { IncomingMessage } from 'node:http';

let dynamo: EmbeddedDynamo;
let deps: ApiDeps;
const started: string[] = [];

beforeAll(async () => {
  dynamo = await startDynalite();
  const w = await workflowDepsFor(dynamo.endpoint);
  // The starter only records: fuzzed targets must never be contacted.
  deps = { ...w, awsSettings: undefined as never, defaultRegion: 'us-east-1', orgId: 'fuzz', starter: { start: async (id) => (started.push(id), `arn:local:${id}`) } };
});
afterAll(() => dynamo.stop());

const post = (body: string) =>
  routeRequest(
    toApiEvent({ url: '/api/dbroles/jobs', method: 'POST', headers: { host: 'local' }, socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage, body),
    deps,
  );

const text = fc.oneof(fc.string(), fc.constantFrom('', ' ', 'ok', 'a'.repeat(70), '../../etc', '%00', '\u0000', 'x"; DROP TABLE t; --'));
const anyValue = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(text, { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 }));
const jobLike = fc.record(
  {
    agent_id: fc.oneof(text, anyValue),
    connection_prefix_name: fc.oneof(fc.constant('fuzz'), text, anyValue),
    job_steps: fc.oneof(fc.array(fc.oneof(fc.constantFrom('create-connections', 'send-webhook'), text), { maxLength: 4 }), anyValue),
    vault_provider: fc.oneof(fc.record({ secret_id: text }), anyValue),
    aws: fc.oneof(
      fc.record(
        {
          instance_arn: fc.oneof(fc.constant('arn:aws:rds:us-east-1:111111111111:db:fuzz'), text, anyValue),
          default_security_group: fc.oneof(
            fc.record({ ingress_cidr: fc.oneof(fc.constantFrom('10.0.0.0/8', '0.0.0.0/0'), text), allow_public_ingress: anyValue }, { requiredKeys: ['ingress_cidr'] }),
            anyValue,
          ),
        },
        { requiredKeys: [] },
      ),
      anyValue,
    ),
    target: fc.oneof(
      fc.record(
        {
          engine: fc.oneof(fc.constantFrom(...Object.keys(ENGINE_FAMILIES)), text),
          host: fc.oneof(fc.constantFrom('db.invalid', '169.254.169.254', 'fe80::1', '[fd00:ec2::254]', '::ffff:169.254.169.254'), text),
          port: fc.oneof(fc.integer({ min: -10, max: 70_000 }), anyValue),
          master_user: fc.oneof(fc.constant('admin'), text),
          master_password: fc.oneof(fc.constant('pw'), text, anyValue),
          name: fc.oneof(fc.constant('fuzz'), text),
          databases: fc.oneof(fc.array(text, { maxLength: 3 }), anyValue),
          reset_master_password: anyValue,
        },
        { requiredKeys: [] },
      ),
      anyValue,
    ),
  },
  { requiredKeys: [] },
);

describe('POST /api/dbroles/jobs under fuzzing', () => {
  it('never answers 5xx and never shows a stack trace', async () => {
    const valid = fc
      .record({ name: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), port: fc.integer({ min: 1, max: 65535 }), steps: fc.subarray(['create-connections', 'send-webhook']) })
      .map(({ name, port, steps }) => ({
        connection_prefix_name: 'fuzz',
        job_steps: steps,
        target: { engine: 'postgres', host: 'db.invalid', port, master_user: 'admin', master_password: 'pw', name },
      }));
    const bodies = fc.oneof(
      valid.map((b) => JSON.stringify(b)),
      jobLike.map((b) => JSON.stringify(b)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 200 }),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const response = await post(body);
        expect(response.statusCode, body).toBeLessThan(500);
        expect(response.body).not.toMatch(/\n\s+at |node_modules|ZodError|\[object Object\]/);
        const parsed = JSON.parse(response.body) as { message?: string; job_id?: string };
        if (response.statusCode >= 400) expect(typeof parsed.message).toBe('string');
        else expect(response.statusCode).toBe(202);
      }),
      { numRuns: 400, seed: Number.parseInt(randomBytes(4).toString('hex'), 16) },
    );
    expect(started.length).toBeGreaterThan(0);
  });
});
