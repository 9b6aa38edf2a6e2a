import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENGINE_FAMILY_NAMES } from '../../lambdas/core/engines/types.ts';
import { DATABASE_TASKS, TASK_STATES, TASKS, WORKFLOW_FUNCTIONS } from '../../lambdas/shared/task-registry.ts';
import { renderWorkflowAsl } from '../../lib/workflow.ts';

type States = Record<string, { Type: string; ItemProcessor?: { States: States } }>;
const taskStates = (states: States): string[] =>
  Object.entries(states).flatMap(([name, s]) => [...(s.Type === 'Task' ? [name] : []), ...(s.ItemProcessor ? taskStates(s.ItemProcessor.States) : [])]);

describe('the task registry', () => {
  it('gives every function a handler file that exports its handler', async () => {
    for (const [name, spec] of Object.entries(WORKFLOW_FUNCTIONS)) {
      const file = fileURLToPath(new URL(`../../lambdas/${spec.entry}`, import.meta.url));
      expect(existsSync(file), `${name}: ${spec.entry}`).toBe(true);
      const module = (await import(file)) as Record<string, unknown>;
      expect(typeof module[spec.exportName], `${name}: ${spec.entry} exports ${spec.exportName}`).toBe('function');
    }
  });

  it('names every task state of the state machine, and only those', () => {
    const asl = renderWorkflowAsl() as { States: States };
    expect(taskStates(asl.States).sort()).toEqual(Object.keys(TASK_STATES).sort());
  });

  it('runs every task, and each database task once per engine family, each family from its own file', () => {
    expect(new Set(Object.values(TASK_STATES))).toEqual(new Set(TASKS));
    for (const task of DATABASE_TASKS) {
      const fns = Object.values(WORKFLOW_FUNCTIONS).filter((spec) => spec.task === task);
      expect(fns.map((fn) => fn.family).sort()).toEqual([...ENGINE_FAMILY_NAMES].sort());
      for (const fn of fns) expect(fn.entry).toBe(`workflow/${fn.family}.ts`);
    }
  });

  it('imports no step and no driver, so lib/ can read it at synth', () => {
    const source = readFileSync(fileURLToPath(new URL('../../lambdas/shared/task-registry.ts', import.meta.url)), 'utf8');
    const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports).toEqual(['../core/engines/types.ts']);
  });
});
