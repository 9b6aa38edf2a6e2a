import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { JobStarter } from '../core/job-service.ts';

/** Starts the deployed state machine, the execution named after the job. */
export function stepFunctionsStarter(stateMachineArn: string, sfn = new SFNClient({})): JobStarter {
  return {
    async start(jobId) {
      const out = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: jobId, input: JSON.stringify({ job_id: jobId }) }));
      return out.executionArn ?? '';
    },
  };
}
