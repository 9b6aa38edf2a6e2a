import { notify, NotifyInputSchema } from '../core/steps/notify.ts';
import { taskHandler } from '../shared/task-handler.ts';
import { webhookDeps } from '../shared/webhook-deps.ts';

export const handler = taskHandler('Notify', NotifyInputSchema, notify, { deps: webhookDeps });
