import { finalize, FinalizeInputSchema } from '../core/steps/finalize.ts';
import { taskHandler } from '../shared/task-handler.ts';

export const handler = taskHandler('Finalize', FinalizeInputSchema, finalize);
