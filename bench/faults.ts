/**
 * Fault injection over the whole workflow: a throw before and after every side effect of every
 * task (AWS Modify and EC2 calls, secret writes and promotes, CREATE/ALTER ROLE and grants,
 * resource-role upserts, the webhook) and a process kill after each task, each on a job that also
 * attaches a security group, resets the master through RDS and rotates every password. After each
 * fault: the job is failed or completed, never running; every password dbroles changed still logs
 * in from what it stores; a clean rerun completes. The last line is the summary; exit 1 on any miss.
 *
 *   npm run bench:faults
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.AWS_REGION ??= 'us-east-1';
await import('../local/polyfills.ts');
const { FAULT_POINTS, FaultLab, faultSummary } = await import('../test/support/fault-lab.ts');

const lab = await FaultLab.start();
const results = [];
const started = performance.now();
try {
  for (const point of FAULT_POINTS) {
    const result = await lab.runPoint(point);
    results.push(result);
    const ok = !result.jobLeftRunning && result.passwordsLost.length === 0 && result.rerunCompleted;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${result.point.padEnd(36)} job ${result.phase.padEnd(9)} rerun ${result.rerunCompleted ? 'completed' : 'NOT completed'}${result.passwordsLost.length ? `, lost: ${result.passwordsLost.join(', ')}` : ''}`);
  }
} finally {
  await lab.stop();
}
console.log(`took ${((performance.now() - started) / 1000).toFixed(1)} s`);
const summary = faultSummary(results);
console.log(summary);
process.exit(/jobs left running: 0, passwords lost: 0, reruns completed: (\d+)\/\1$/.test(summary) ? 0 : 1);
