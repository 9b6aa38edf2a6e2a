import type { z } from 'zod';
import { DbrolesError } from '../core/errors.ts';

/**
 * Parses a task's input, turning a schema failure into one readable line naming the fields (a
 * bug in the state machine definition, not a reason to retry).
 */
export function parseInput<S extends z.ZodType>(schema: S, event: unknown, task: string): z.infer<S> {
  const parsed = schema.safeParse(event);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`);
  throw new DbrolesError(`${task} received an invalid input: ${issues.join('; ')}`);
}
