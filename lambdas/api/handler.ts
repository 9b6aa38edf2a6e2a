import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { KMSClient } from '@aws-sdk/client-kms';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { KmsEnvelopeCipher } from '../core/secrets/cipher.ts';
import { DynamoConnectionStore } from '../core/store/connection-store.ts';
import { DynamoCredentialStore } from '../core/store/credential-store.ts';
import { createDocumentClient } from '../core/store/dynamo.ts';
import { DynamoJobStore } from '../core/store/job-store.ts';
import { logger } from '../workflow/logger.ts';
import { ApiEnvSchema } from './env.ts';
import { routeRequest, type ApiDeps } from './router.ts';

let deps: ApiDeps | undefined;

function apiDeps(): ApiDeps {
  if (deps) return deps;
  const env = ApiEnvSchema.parse(process.env);
  const doc = createDocumentClient();
  const sfn = new SFNClient({});
  deps = {
    jobs: new DynamoJobStore(doc, env.DBROLES_TABLE),
    credentials: new DynamoCredentialStore(doc, env.DBROLES_TABLE, new KmsEnvelopeCipher(new KMSClient({}), env.CREDENTIALS_KMS_KEY_ID)),
    connections: new DynamoConnectionStore(doc, env.DBROLES_TABLE),
    starter: {
      async start(jobId) {
        const out = await sfn.send(new StartExecutionCommand({ stateMachineArn: env.STATE_MACHINE_ARN, name: jobId, input: JSON.stringify({ job_id: jobId }) }));
        return out.executionArn ?? '';
      },
    },
    clock: () => new Date(),
    orgId: env.DBROLES_ORG_ID,
  };
  return deps;
}

/** The HTTP API (IAM-authorized by API Gateway when deployed). */
export const handler = middy(async (event: APIGatewayProxyEventV2) => routeRequest(event, apiDeps())).use(injectLambdaContext(logger));
