import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import * as z from 'zod';
import type { AwsAccess } from '../core/aws/access.ts';
import { discoverInstances, enabledRegions, listAccounts } from '../core/aws/discovery.ts';
import { DbrolesError, UsageError } from '../core/errors.ts';
import { AwsSettingsSchema, type AwsSettingsStore } from '../core/store/aws-settings-store.ts';
import type { ConnectionStore } from '../core/store/connection-store.ts';
import { DB_ARN_TAG } from '../core/store/connection-store.ts';
import type { CredentialStore } from '../core/store/credential-store.ts';
import { json, toHttpResponse, type HttpResponse } from './http-errors.ts';
import type { ApiRequest } from './request.ts';

export interface IntegrationDeps {
  readonly aws: AwsAccess & { reset?: () => void; readonly instanceRoleAllowed?: boolean };
  readonly awsSettings: AwsSettingsStore;
  readonly connections: ConnectionStore;
  readonly credentials: CredentialStore;
  /** The deployment's region: where STS is called and what discovery scans by default. */
  readonly defaultRegion: string;
  /** Regions discovery scans when a request names none. @default [defaultRegion] */
  readonly discoveryRegions?: string[];
}

const ACCOUNT_ID = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
const REGION = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-west-2');

export const DescribeDbInstancesBodySchema = z
  .object({
    account_ids: z.array(ACCOUNT_ID).max(1000).optional(),
    regions: z.union([z.literal('all'), z.array(z.union([z.literal('all'), REGION])).min(1).max(40)]).optional(),
  })
  .strict();

/** GET /api/integrations/aws/organizations → {items}: the Organization's accounts, or the caller's own. */
export async function getOrganizations(_request: ApiRequest, deps: IntegrationDeps): Promise<HttpResponse> {
  return json(200, { items: await listAccounts(deps.aws, deps.defaultRegion) });
}

/** POST /api/integrations/aws/rds/describe-db-instances → {items}, every account × region, errors per item. */
export async function describeDbInstances(request: ApiRequest, deps: IntegrationDeps): Promise<HttpResponse> {
  const body = DescribeDbInstancesBodySchema.parse(request.jsonBody() ?? {});
  const accounts = await listAccounts(deps.aws, deps.defaultRegion);
  const accountIds = body.account_ids ?? accounts.filter((a) => a.status === 'ACTIVE').map((a) => a.account_id);
  const asked = body.regions === undefined ? (deps.discoveryRegions ?? [deps.defaultRegion]) : [body.regions].flat();
  const regions = asked.includes('all') ? await enabledRegions(deps.aws, deps.defaultRegion) : asked;
  const byArn = new Map<string, string[]>();
  for (const c of await deps.connections.list()) {
    const arn = c.tags[DB_ARN_TAG];
    if (arn) byArn.set(arn, [...(byArn.get(arn) ?? []), c.name]);
  }
  const items = await discoverInstances(deps.aws, {
    accountIds,
    regions,
    accountNames: Object.fromEntries(accounts.map((a) => [a.account_id, a.name])),
    connectionsFor: (arn) => byArn.get(arn) ?? [],
    isProvisioned: (key) => deps.credentials.hasMaster(key),
  });
  return json(200, { items });
}

/** PUT /api/integrations/aws/iam/accesskeys → 204. Keys are checked with STS, then stored encrypted. */
export async function putAccessKeys(request: ApiRequest, deps: IntegrationDeps): Promise<HttpResponse> {
  const raw = request.jsonBody() as Record<string, unknown> | null;
  if (raw && typeof raw === 'object' && raw.access_key_id && !raw.secret_access_key) {
    return json(422, { message: "the attribute 'secret_access_key' is required when 'access_key_id' is set" });
  }
  const settings = AwsSettingsSchema.strict().parse(raw);
  if (settings.access_key_id) {
    const sts = new STSClient({
      region: settings.region,
      credentials: { accessKeyId: settings.access_key_id, secretAccessKey: settings.secret_access_key ?? '', sessionToken: settings.session_token },
      maxAttempts: 2,
    });
    try {
      await sts.send(new GetCallerIdentityCommand({}));
    } catch (error) {
      throw new UsageError(`the access keys do not work: STS GetCallerIdentity answered ${(error as { name?: string }).name ?? 'an error'}`, { cause: error });
    }
  }
  await deps.awsSettings.put(settings);
  deps.aws.reset?.();
  return { statusCode: 204, headers: {}, body: '' };
}

/** DELETE /api/integrations/aws/iam/accesskeys → 204. */
export async function deleteAccessKeys(_request: ApiRequest, deps: IntegrationDeps): Promise<HttpResponse> {
  await deps.awsSettings.delete();
  deps.aws.reset?.();
  return { statusCode: 204, headers: {}, body: '' };
}

/**
 * GET /api/integrations/aws/iam/userinfo → {account_id, arn, arn_id, region, instance_role_allowed,
 * credentials}. `credentials` says what dbroles runs as: the stored `access-keys` or the runtime's
 * `instance-role`. An error answer also carries `instance_role_allowed`, so a page that finds no
 * working credentials knows which options to offer.
 */
export async function getUserInfo(_request: ApiRequest, deps: IntegrationDeps): Promise<HttpResponse> {
  const instanceRoleAllowed = deps.aws.instanceRoleAllowed ?? false;
  try {
    const settings = await deps.awsSettings.get();
    const region = settings?.region ?? deps.defaultRegion;
    const me = await deps.aws.callerIdentity(region);
    const credentials = settings?.access_key_id ? 'access-keys' : 'instance-role';
    return json(200, { account_id: me.account, arn: me.arn, arn_id: me.userId, region, instance_role_allowed: instanceRoleAllowed, credentials });
  } catch (error) {
    const name = (error as { name?: string }).name;
    const response =
      error instanceof DbrolesError || !name || name === 'Error'
        ? toHttpResponse(error)
        : json(502, { message: `AWS refused dbroles' credentials: STS GetCallerIdentity answered ${name}` });
    return { ...response, body: JSON.stringify({ ...(JSON.parse(response.body) as object), instance_role_allowed: instanceRoleAllowed }) };
  }
}
