import './polyfills.ts';
import { StateMachine } from 'aws-local-stepfunctions';
import { TASK_STATES, type TaskName } from '../lambdas/shared/task-registry.ts';
import { renderWorkflowAsl, WAIT_MASTER_APPLIED_PREFIX } from '../lib/workflow.ts';

/** A task's code, given the state's input; what it returns becomes the state's result. */
export type TaskHandler = (input: unknown) => Promise<unknown>;
export type TaskHandlers = Record<TaskName, TaskHandler>;

export interface LocalRunnerOptions {
  /** Milliseconds each WaitMasterApplied pass lasts locally. @default 1000 */
  readonly waitMs?: number;
  /** Milliseconds before each retry of a task. @default 200 */
  readonly retryMs?: number;
  /** A pre-rendered definition (rendering loads aws-cdk-lib, about a second). */
  readonly asl?: Record<string, unknown>;
}

export interface ExecutionOutcome {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: string;
  /** Every state entered, in order (Map iterations included). */
  readonly states: string[];
  /** The largest input or output of any state, in bytes of JSON: Step Functions refuses over 256 KB. */
  readonly largestStateBytes: number;
}

/**
 * Runs THE state machine (lib/workflow.ts) in this process with aws-local-stepfunctions; each
 * task state calls a local handler instead of Lambda.
 */
export class LocalWorkflowRunner {
  private readonly machine: StateMachine;
  private readonly asl: Record<string, unknown>;

  constructor(
    private readonly handlers: TaskHandlers,
    private readonly options: LocalRunnerOptions = {},
  ) {
    this.asl = options.asl ?? renderWorkflowAsl();
    this.machine = new StateMachine(this.asl as never, { validationOptions: { checkArn: false } });
  }

  /** Starts an execution named after the job and returns its ARN and how it ends. */
  start(jobId: string): { executionArn: string; done: Promise<ExecutionOutcome>; abort: () => void } {
    const executionArn = `arn:aws:states:local:000000000000:execution:dbroles:${jobId}`;
    const taskResourceLocalHandlers = Object.fromEntries(
      Object.entries(TASK_STATES).map(([state, task]) => [state, (input: unknown) => this.handlers[task](input) as never]),
    );
    const retryIntervalOverrides = Object.fromEntries(Object.keys(TASK_STATES).map((state) => [state, this.options.retryMs ?? 200]));
    const waits = Object.keys((this.asl as { States: Record<string, unknown> }).States).filter((state) => state.startsWith(WAIT_MASTER_APPLIED_PREFIX));
    const execution = this.machine.run(
      { job_id: jobId },
      {
        overrides: { taskResourceLocalHandlers, waitTimeOverrides: Object.fromEntries(waits.map((state) => [state, this.options.waitMs ?? 1000])), retryIntervalOverrides },
        context: { Execution: { Id: executionArn, Name: jobId, StartTime: new Date().toISOString() } } as never,
      },
    );
    const states: string[] = [];
    let largestStateBytes = 0;
    const watched = (async () => {
      for await (const event of execution.eventLogs) {
        if (!('state' in event)) continue;
        if (event.type === 'StateEntered') states.push(event.state.name);
        for (const payload of [event.state.input, event.state.output]) {
          if (payload !== undefined) largestStateBytes = Math.max(largestStateBytes, Buffer.byteLength(JSON.stringify(payload)));
        }
      }
    })().catch(() => undefined);
    const done = execution.result.then(
      (output) => ({ status: 'SUCCEEDED' as const, output }),
      (error: unknown) => ({ status: 'FAILED' as const, error: (error as Error).message }),
    ).then(async (outcome): Promise<ExecutionOutcome> => {
      await watched;
      return { ...outcome, states, largestStateBytes };
    });
    return { executionArn, done, abort: () => execution.abort() };
  }
}
