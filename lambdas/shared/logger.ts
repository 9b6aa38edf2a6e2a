import { Logger } from '@aws-lambda-powertools/logger';

/** Structured logs. Events are not logged: they carry no secret, but neither do they need to be in logs. */
export const logger = new Logger({ serviceName: 'dbroles' });
