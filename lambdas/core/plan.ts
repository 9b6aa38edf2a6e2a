import type { PlannedStatement } from './engines/types.ts';

/** What a planned statement does, for counts and for a reader scanning a long plan. */
export const PLAN_KINDS = ['create-user', 'password', 'grant', 'default-privileges', 'revoke', 'other'] as const;
export type PlanKind = (typeof PLAN_KINDS)[number];

export function planKind(sql: string): PlanKind {
  if (/^\s*CREATE\s+(ROLE|USER|LOGIN)\b/i.test(sql)) return 'create-user';
  if (/\bPASSWORD\b|\bIDENTIFIED\s+BY\b/i.test(sql)) return 'password';
  if (/^\s*ALTER\s+DEFAULT\s+PRIVILEGES\b/i.test(sql)) return 'default-privileges';
  if (/^\s*REVOKE\b/i.test(sql)) return 'revoke';
  if (/^\s*GRANT\b/i.test(sql)) return 'grant';
  return 'other';
}

/** A plan's counts: changes per kind, and the statements that are no-ops (already held). */
export interface PlanSummary {
  readonly changes: number;
  readonly no_ops: number;
  readonly by_kind: Readonly<Partial<Record<PlanKind, number>>>;
}

export function summarizePlan(plan: ReadonlyArray<PlannedStatement>): PlanSummary {
  const byKind: Partial<Record<PlanKind, number>> = {};
  let changes = 0;
  for (const statement of plan) {
    if (statement.alreadyHeld) continue;
    changes += 1;
    const kind = planKind(statement.sql);
    byKind[kind] = (byKind[kind] ?? 0) + 1;
  }
  return { changes, no_ops: plan.length - changes, by_kind: byKind };
}

/** `12 changes (3 password, 9 grant), 30 no-ops`. */
export function describePlanSummary(summary: PlanSummary): string {
  const kinds = PLAN_KINDS.filter((k) => summary.by_kind[k]).map((k) => `${summary.by_kind[k]} ${k}`);
  const changes = summary.changes === 0 ? 'no change' : `${summary.changes} change${summary.changes === 1 ? '' : 's'} (${kinds.join(', ')})`;
  return `${changes}, ${summary.no_ops} no-op${summary.no_ops === 1 ? '' : 's'} (already held)`;
}
