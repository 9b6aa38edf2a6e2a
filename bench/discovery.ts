/**
 * Discovery benchmark: 30 accounts × 3 regions behind aws-sdk-client-mock, every AWS call taking
 * --latency ms. Prints the slowest single chain (caller identity, AssumeRole, DescribeDBInstances,
 * DescribeDBClusters), the parallel run and a sequential run, then the two ratios.
 *
 *   npm run bench:discovery -- [--accounts 30] [--latency 100]
 */
import { parseArgs } from 'node:util';
import { DefaultAwsAccess } from '../lambdas/core/aws/access.ts';
import { discoverInstances } from '../lambdas/core/aws/discovery.ts';
import { LOCAL_AWS_CREDENTIALS } from '../local/embedded-dynamodb.ts';
import { accountId, fakeOrganization } from '../test/support/fake-organization.ts';
import { ALL_AWS_CLIENTS } from '../lambdas/core/aws/clients/all.ts';

const { values } = parseArgs({ options: { accounts: { type: 'string', default: '30' }, latency: { type: 'string', default: '100' } } });
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const org = fakeOrganization({ accounts: Number(values.accounts), regions: REGIONS, latencyMs: Number(values.latency) });
const access = () => new DefaultAwsAccess({ clients: ALL_AWS_CLIENTS, credentials: LOCAL_AWS_CREDENTIALS });

async function timed(run: () => Promise<unknown[]>): Promise<{ ms: number; items: number }> {
  const t = performance.now();
  const items = await run();
  return { ms: performance.now() - t, items: items.length };
}

const chain = await timed(() => discoverInstances(access(), { accountIds: [accountId(0)], regions: ['us-east-1'] }));
const parallel = await timed(() => discoverInstances(access(), { accountIds: org.accountIds, regions: REGIONS }));
const sequential = await timed(() => discoverInstances(access(), { accountIds: org.accountIds, regions: REGIONS, concurrency: 1 }));
org.restore();
console.log(`accounts × regions: ${org.accountIds.length} × ${REGIONS.length}, latency per call: ${values.latency} ms`);
console.log(`slowest chain: ${chain.ms.toFixed(0)} ms (1 account, 1 region)`);
console.log(`parallel:      ${parallel.ms.toFixed(0)} ms (${parallel.items} instances)`);
console.log(`sequential:    ${sequential.ms.toFixed(0)} ms (${sequential.items} instances)`);
console.log(`parallel/slowest-chain: ${(parallel.ms / chain.ms).toFixed(2)}x`);
console.log(`sequential/parallel: ${(sequential.ms / parallel.ms).toFixed(2)}x`);
