import { AssetHashType, DockerImage, Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { execFileSync } from 'node:child_process';
import { relative, sep } from 'node:path';
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

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUNDLER = fileURLToPath(new URL('function-bundle.ts', import.meta.url));

/**
 * The function's code: its handler bundled by lib/function-bundle.ts on this machine. Not
 * NodejsFunction, which runs the esbuild CLI and so cannot take the plugin that lets esbuild drop
 * the AWS SDK's unused schemas (half of a bundle that calls EC2).
 */
function bundledCode(entry: string): lambda.Code {
  const entryInProject = relative(PROJECT_ROOT, entry).split(sep).join('/');
  return lambda.Code.fromAsset(PROJECT_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // What Docker would run; CDK never gets there, since local bundling succeeds or throws. The
      // command also keys CDK's bundle cache, which would otherwise give every function one bundle.
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
      command: ['node', '--import', 'tsx', 'lib/function-bundle.ts', entryInProject, '/asset-output'],
      local: {
        tryBundle(outputDir: string): boolean {
          execFileSync(process.execPath, ['--import', import.meta.resolve('tsx'), BUNDLER, entry, outputDir], { cwd: PROJECT_ROOT, stdio: 'inherit' });
          return true;
        },
      },
    },
  });
}

/** A dbroles function (task, API, trigger): Node 22, ESM bundle by esbuild, X-Ray, logs kept three months. */
export class TaskFunction extends lambda.Function {
  constructor(scope: Construct, id: string, props: TaskFunctionProps) {
    const environment = WorkflowEnvSchema.parse(props.environment);
    super(scope, id, {
      code: bundledCode(fileURLToPath(new URL(`../lambdas/${props.handlerFile}`, import.meta.url))),
      handler: `index.${props.exportName ?? 'handler'}`,
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
    });
  }
}
