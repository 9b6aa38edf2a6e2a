import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePoint, FAULT_POINTS, FaultLab, faultSummary, type PointResult } from '../support/fault-lab.ts';

// A fast subset of `npm run bench:faults` (all 29 points): the points that once lost a password,
// and one of each kind of side effect.
const SUBSET = [
  'throw after db.ensure-user',
  'throw before role.promote',
  'throw after rds.modify',
  'throw before master.promote',
  'throw after role.write-pending',
  'throw before connections.upsert',
  'throw after webhook.send',
  'kill after MasterCredentials',
  'kill after ProvisionRole',
];

let lab: FaultLab;
beforeAll(async () => {
  lab = await FaultLab.start();
}, 120_000);
afterAll(() => lab?.stop());

describe('fault injection over the workflow (a fast subset of bench:faults)', () => {
  it('has at least 20 fault points, and the subset names real ones', () => {
    expect(FAULT_POINTS.length).toBeGreaterThanOrEqual(20);
    expect(SUBSET.filter((name) => !FAULT_POINTS.some((p) => describePoint(p) === name))).toEqual([]);
  });

  it('never leaves a job running, never loses a password, and a rerun always completes', async () => {
    const results: PointResult[] = [];
    for (const point of FAULT_POINTS.filter((p) => SUBSET.includes(describePoint(p)))) results.push(await lab.runPoint(point));
    expect(results.filter((r) => r.jobLeftRunning || r.passwordsLost.length > 0 || !r.rerunCompleted)).toEqual([]);
    expect(faultSummary(results)).toBe(`fault points: ${SUBSET.length}, jobs left running: 0, passwords lost: 0, reruns completed: ${SUBSET.length}/${SUBSET.length}`);
  });
});
