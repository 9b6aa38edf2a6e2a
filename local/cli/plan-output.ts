import type { PlannedStatement } from '../../lambdas/core/engines/types.ts';
import { describePlanSummary, summarizePlan } from '../../lambdas/core/plan.ts';
import { painter, type CliIo } from './io.ts';

/**
 * A plan for a person: per database (the server-level statements first), each statement to be sent
 * marked `+`, each already held marked `=` and dimmed, then the counts.
 */
export function formatPlan(plan: ReadonlyArray<PlannedStatement>, io: CliIo): string {
  const paint = painter(io);
  const byDatabase = new Map<string, PlannedStatement[]>();
  for (const statement of plan) {
    const key = statement.database ?? '';
    byDatabase.set(key, [...(byDatabase.get(key) ?? []), statement]);
  }
  const lines: string[] = [];
  for (const [database, statements] of [...byDatabase].sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)))) {
    lines.push(paint('bold', database === '' ? 'server (users)' : `database ${database}`));
    for (const s of statements) {
      lines.push(s.alreadyHeld ? paint('dim', `  = ${s.user}: ${s.sql}   (already held)`) : `  ${paint('green', '+')} ${s.user}: ${s.sql}`);
    }
  }
  lines.push(`plan: ${describePlanSummary(summarizePlan(plan))}; nothing was changed`);
  return `${lines.join('\n')}\n`;
}
