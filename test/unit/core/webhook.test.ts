import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newJob } from '../../../lambdas/core/job.ts';
import { JOB_FINISHED_EVENT, SvixWebhookSender } from '../../../lambdas/core/webhook.ts';
import { startSvixCapture, type SvixCapture } from '../../support/svix-capture.ts';

let svix: SvixCapture;
beforeAll(async () => {
  svix = await startSvixCapture();
});
afterAll(() => svix.stop());

const job = () => ({ ...newJob({ id: `job-${Math.random().toString(36).slice(2)}`, orgId: 'acme', dbArn: 'target:orders', now: new Date() }), status: { phase: 'completed' as const, message: 'done', result: [] } });

describe('the Svix webhook', () => {
  it('sends the job as the seed payload to the org application, once per job however often Notify retries', async () => {
    const sender = new SvixWebhookSender({ apiKey: 'testsk_abc', serverUrl: svix.url, retryScheduleInMs: [] });
    const finished = job();
    expect(await sender.send(finished)).toMatchObject({ sent: true, message: expect.stringMatching(/^sent as Svix message /) });
    await sender.send(finished);
    const mine = svix.requests.filter((r) => r.method === 'POST' && /\/msg\/?(\?|$)/.test(r.path) && (r.body as { payload: { event_payload: { id: string } } }).payload.event_payload.id === finished.id);
    expect(mine).toHaveLength(2);
    expect(new Set(mine.map((r) => r.headers['idempotency-key']))).toEqual(new Set([`dbroles-job-${finished.id}-finished`]));
    expect(mine[0]?.path).toMatch(/^\/api\/v1\/app\/acme\/msg/);
    expect(mine[0]?.body).toMatchObject({ eventType: JOB_FINISHED_EVENT, payload: { event_type: JOB_FINISHED_EVENT, event_payload: { id: finished.id, org_id: 'acme' } } });
  });

  it('says why nothing was sent, and never throws: no key, or a Svix that refuses (its key redacted)', async () => {
    expect(await new SvixWebhookSender({ serverUrl: svix.url }).send(job())).toEqual({ sent: false, message: 'no Svix API key configured (SVIX_API_KEY or SVIX_API_KEY_SECRET_ARN)' });
    const unreachable = await new SvixWebhookSender({ apiKey: 'testsk_secret-key', serverUrl: 'http://127.0.0.1:1', retryScheduleInMs: [] }).send(job());
    expect(unreachable.sent).toBe(false);
    expect(unreachable.message).toMatch(/^Svix: /);
    expect(unreachable.message).not.toContain('testsk_secret-key');
  });
});
