import { lambdaHandler } from './lambda-handler.ts';

export const handler = lambdaHandler('RunHook');
