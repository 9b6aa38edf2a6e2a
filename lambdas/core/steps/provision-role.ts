import { z } from 'zod';
import { ROLE_TIERS } from '../engines/types.ts';
import { DbrolesError } from '../errors.ts';
import type { RoleResult } from '../job.ts';
import { DEFAULT_USER_PREFIX, provisionRoles } from '../provision.ts';
import { errorMessage } from '../redact.ts';
import { roleCredentialId } from '../store/keys.ts';
import { DbTargetSchema } from '../target.ts';
import { connectionTarget } from './database-login.ts';
import type { WorkflowDeps } from './deps.ts';
import { trackStep } from './progress.ts';

export const ProvisionRoleInputSchema = z.object({ job_id: z.string(), tier: z.enum(ROLE_TIERS), target: DbTargetSchema });

/**
 * Step 5, one Map item: provisions one tier in every database. The new password is stored
 * (encrypted, `pending`) before the database sees it and marked `current` once set, so it is never
 * lost. Database failures become a failed result, never an exception; the result holds a
 * reference to the credentials, never the password.
 */
export async function provisionRole(input: z.infer<typeof ProvisionRoleInputSchema>, deps: WorkflowDeps): Promise<RoleResult> {
  const { target, tier } = input;
  const user = `${DEFAULT_USER_PREFIX}_${tier}`;
  return trackStep(deps, input.job_id, `ProvisionRole:${tier}`, async () => {
    const master = await deps.credentials.getMaster(target.resource_key);
    if (!master?.current) throw new DbrolesError(`no working master password is stored for "${target.resource_key}"`);
    const password = deps.generatePassword();
    await deps.credentials.putRole(target.resource_key, { user, tier, password, state: 'pending' });
    let report;
    try {
      report = await provisionRoles(
        {
          engine: target.engine,
          target: connectionTarget(target, target.master_user, master.current, deps),
          tiers: [tier],
          databases: target.databases ?? undefined,
        },
        { provisioners: deps.provisioners, generatePassword: () => password, now: deps.clock },
      );
    } catch (error) {
      throw new DbrolesError(`provision ${user}: ${errorMessage(error, [master.current, password])}`, { cause: error });
    }
    const role = report.roles[0];
    if (!role) throw new DbrolesError(`provision ${user}: no result`);
    const passwordSet = role.password !== undefined;
    if (passwordSet) await deps.credentials.putRole(target.resource_key, { user, tier, password, state: 'current' });
    return {
      user_role: user,
      role_suffix_name: tier,
      status: role.status,
      message: role.message,
      credentials_info: passwordSet
        ? { secrets_manager_provider: 'database', secret_id: roleCredentialId(target.resource_key, user), secret_keys: [] }
        : null,
      completed_at: role.completedAt,
      databases: role.databases.map((d) => ({ ...d })),
    };
  });
}
