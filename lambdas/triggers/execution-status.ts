import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';

/** The execution a job runs as: the state machine's execution named after the job id. */
export function executionArnFor(stateMachineArn: string, jobId: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${jobId}`;
}

/** An execution's status, or NOT_FOUND when it never started. */
export async function executionStatus(sfn: SFNClient, executionArn: string): Promise<string> {
  try {
    return (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status ?? 'UNKNOWN';
  } catch (error) {
    if ((error as { name?: string }).name === 'ExecutionDoesNotExist') return 'NOT_FOUND';
    throw error;
  }
}
