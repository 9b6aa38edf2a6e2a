import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { logger } from '../shared/logger.ts';
import { apiDeps } from '../shared/api-deps.ts';
import { routeRequest } from './router.ts';

/** The HTTP API (IAM-authorized by API Gateway when deployed). */
export const handler = middy(async (event: APIGatewayProxyEventV2) => routeRequest(event, apiDeps())).use(injectLambdaContext(logger));
