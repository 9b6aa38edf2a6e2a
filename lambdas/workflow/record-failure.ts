import { recordFailure, RecordFailureInputSchema } from '../core/steps/record-failure.ts';
import { taskHandler } from '../shared/task-handler.ts';

export const handler = taskHandler('RecordFailure', RecordFailureInputSchema, recordFailure);
