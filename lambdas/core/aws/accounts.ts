import { ListAccountsCommand, type Account } from '@aws-sdk/client-organizations';
import type { AwsAccess } from './access.ts';
import { withRetry } from './retry.ts';

export interface AccountItem {
  account_id: string;
  name: string;
  status: string;
  joined_methods: string;
  email: string;
  /** true when there is no Organization and this is the caller's own account. */
  self: boolean;
}

/** Errors that mean "no Organization here, or not allowed to read it": fall back to the caller's account. */
const NO_ORGANIZATION = new Set(['AWSOrganizationsNotInUseException', 'AccessDeniedException', 'AccessDenied']);

/** Every account of the Organization (all pages); without one, the caller's own account, marked `self`. */
export async function listAccounts(aws: AwsAccess, region: string): Promise<AccountItem[]> {
  const client = await aws.organizations();
  const accounts: Account[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await withRetry(() => client.send(new ListAccountsCommand({ NextToken: token })));
      accounts.push(...(page.Accounts ?? []));
      token = page.NextToken;
    } while (token);
  } catch (error) {
    if (!NO_ORGANIZATION.has((error as { name?: string }).name ?? '')) throw error;
    const me = await aws.callerIdentity(region);
    return [{ account_id: me.account, name: '', status: 'ACTIVE', joined_methods: 'SELF', email: '', self: true }];
  }
  return accounts.map((a) => ({
    account_id: a.Id ?? '',
    name: a.Name ?? '',
    status: a.State ?? a.Status ?? '',
    joined_methods: a.JoinedMethod ?? '',
    email: a.Email ?? '',
    self: false,
  }));
}
