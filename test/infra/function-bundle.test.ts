import { build } from 'esbuild';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_OPTIONS, sdkSchemaLiteralKeys } from '../../lib/function-bundle.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Calls the EC2 API the way EnsureSecurityGroup does, through a handler that records the request. */
const CALLER = `
import { EC2Client, DescribeSecurityGroupsCommand, AuthorizeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
export async function call(requestHandler) {
  const ec2 = new EC2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' }, requestHandler });
  const described = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['dbroles-db-1'] }, { Name: 'vpc-id', Values: ['vpc-1'] }] }));
  await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: 'sg-1', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '10.0.0.0/8', Description: 'dbroles' }] }] }));
  return described;
}`;

const DESCRIBE_RESPONSE = `<?xml version="1.0" encoding="UTF-8"?>
<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r-1</requestId>
  <securityGroupInfo><item><ownerId>111111111111</ownerId><groupId>sg-1</groupId><groupName>dbroles-db-1</groupName><groupDescription>d</groupDescription><vpcId>vpc-1</vpcId>
    <ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>5432</fromPort><toPort>5432</toPort><ipRanges><item><cidrIp>10.0.0.0/8</cidrIp><description>dbroles</description></item></ipRanges></item></ipPermissions>
  </item></securityGroupInfo>
</DescribeSecurityGroupsResponse>`;
const AUTHORIZE_RESPONSE = `<AuthorizeSecurityGroupIngressResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-2</requestId><return>true</return></AuthorizeSecurityGroupIngressResponse>`;

type Caller = { call: (handler: unknown) => Promise<unknown> };

/** Runs the caller, answering each request in turn; returns the request bodies and the Describe result. */
async function run(caller: Caller): Promise<{ bodies: string[]; result: unknown }> {
  const bodies: string[] = [];
  const answers = [DESCRIBE_RESPONSE, AUTHORIZE_RESPONSE];
  const handler = {
    handle: async (request: { body?: string }) => {
      bodies.push(String(request.body));
      return { response: { statusCode: 200, headers: { 'content-type': 'text/xml' }, body: Readable.from([Buffer.from(answers.shift() ?? '')]) } };
    },
  };
  const result = (await caller.call(handler)) as { $metadata?: unknown };
  delete result.$metadata;
  return { bodies, result };
}

describe('function bundles', () => {
  let dir = '';
  const bundles: Record<'withPlugin' | 'plain', { bytes: number; caller: Caller }> = {} as never;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dbroles-bundle-'));
    const bundle = async (name: string, plugins: (typeof sdkSchemaLiteralKeys)[]) => {
      const outfile = join(dir, `${name}.mjs`);
      await build({ ...BUNDLE_OPTIONS, sourcemap: false, logLevel: 'error', stdin: { contents: CALLER, resolveDir: ROOT, loader: 'js' }, outfile, plugins });
      return { bytes: (await readFile(outfile)).length, caller: (await import(pathToFileURL(outfile).href)) as Caller };
    };
    [bundles.withPlugin, bundles.plain] = await Promise.all([bundle('with-plugin', [sdkSchemaLiteralKeys]), bundle('plain', [])]);
  }, 60_000);

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("drops the SDK's unused EC2 schemas (literal trait keys)", () => {
    // Without the plugin every one of EC2's schemas stays: over half a megabyte for two commands.
    expect(bundles.plain.bytes - bundles.withPlugin.bytes).toBeGreaterThan(400 * 1024);
  });

  it('sends and reads EC2 calls exactly as the SDK does without the plugin', async () => {
    const ours = await run(bundles.withPlugin.caller);
    expect(ours.bodies[0]).toContain('Action=DescribeSecurityGroups');
    expect(ours.bodies[0]).toContain('Filter.1.Name=group-name&Filter.1.Value.1=dbroles-db-1');
    expect(ours.bodies[1]).toContain('IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0%2F8');
    expect(ours.result).toMatchObject({
      SecurityGroups: [{ GroupId: 'sg-1', VpcId: 'vpc-1', IpPermissions: [{ FromPort: 5432, IpRanges: [{ CidrIp: '10.0.0.0/8', Description: 'dbroles' }] }] }],
    });
    expect(ours).toEqual(await run(bundles.plain.caller));
  });
});
