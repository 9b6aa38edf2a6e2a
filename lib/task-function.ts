import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import { WorkflowEnvSchema, type WorkflowEnvInput } from '../lambdas/shared/env.ts';

export interface TaskFunctionProps {
  /** The handler file, relative to lambdas/ (e.g. `workflow/prepare.ts`). */
  readonly handlerFile: string;
  /** The handler's export in that file. @default handler */
  readonly exportName?: string;
  /** The function's environment; checked against WorkflowEnvSchema at synth, so a missing variable fails `cdk synth`. */
  readonly environment: WorkflowEnvInput;
  /** More variables, already checked by the caller's own schema. */
  readonly extraEnvironment?: Record<string, string>;
  /** @default 5 minutes */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** Where the function runs, when it must reach private databases. @default no VPC */
  readonly vpc?: { readonly vpc: ec2.IVpc; readonly subnets: ec2.SubnetSelection; readonly securityGroups: ec2.ISecurityGroup[] };
}

/** How every dbroles function is bundled: ESM for Node 22, with a require() for bundled CommonJS dependencies. */
export const BUNDLING = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: true,
  // Source maps without the sources: a stack trace maps to file:line without Node parsing 15 MB first.
  sourcesContent: false,
  logLevel: LogLevel.WARNING,
  mainFields: ['module', 'main'],
  banner: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  externalModules: ['pg-native', 'msnodesqlv8', 'cloudflare:sockets'],
};

/** A dbroles function (task, API, trigger): Node 22, ESM bundle by esbuild, X-Ray, logs kept three months. */
export class TaskFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: TaskFunctionProps) {
    const environment = WorkflowEnvSchema.parse(props.environment);
    super(scope, id, {
      entry: fileURLToPath(new URL(`../lambdas/${props.handlerFile}`, import.meta.url)),
      handler: props.exportName ?? 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.minutes(5),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: new logs.LogGroup(scope, `${id}Logs`, { retention: logs.RetentionDays.THREE_MONTHS }),
      environment: {
        ...Object.fromEntries(Object.entries(environment).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])),
        // Lambda's Node 20+ runtimes load the RDS CA bundle only when asked: TLS to RDS is verified with it.
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.extraEnvironment,
      },
      vpc: props.vpc?.vpc,
      vpcSubnets: props.vpc?.subnets,
      securityGroups: props.vpc?.securityGroups,
      bundling: BUNDLING,
    });
  }
}
