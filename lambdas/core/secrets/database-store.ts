import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { ConflictError, NotFoundError, SecretStoreError } from '../errors.ts';
import { isConditionFailed } from '../store/dynamo.ts';
import { roleCredentialId, roleCredentialKey } from '../store/keys.ts';
import { EnvelopeSchema, type CredentialCipher, type Envelope } from './cipher.ts';
import type { CredentialsInfo, RoleSecret, RoleSecretScope, RoleSecretStore } from './types.ts';

const RoleItemSchema = z.object({
  user: z.string(),
  version: z.number().default(0),
  /** JSON of a RoleSecret, encrypted. */
  current: EnvelopeSchema.optional(),
  pending: EnvelopeSchema.optional(),
  /** Before `current`/`pending`: one password envelope and which of the two it was. */
  password: EnvelopeSchema.optional(),
  state: z.enum(['pending', 'current']).optional(),
  host: z.string().optional(),
  port: z.number().optional(),
  database: z.string().optional(),
});
type RoleItem = z.infer<typeof RoleItemSchema>;

const RoleSecretSchema = z.object({ host: z.string(), port: z.number(), user: z.string(), password: z.string(), database: z.string() });
const roleContext = (resourceKey: string, user: string) => ({ purpose: 'dbroles-role', db_arn: resourceKey, user });

/** `<resource key>/<user>`: the resource key may hold `/`, a user name never does. */
export function parseRoleCredentialId(secretId: string): { resourceKey: string; user: string } {
  const at = secretId.lastIndexOf('/');
  if (at <= 0 || at === secretId.length - 1) throw new NotFoundError(`"${secretId}" is not a dbroles credential id (<database>/<user>)`);
  return { resourceKey: secretId.slice(0, at), user: secretId.slice(at + 1) };
}

/**
 * dbroles' own store (provider `database`): one DynamoDB item per server and user, holding the
 * current and the pending credentials as envelopes (KMS when deployed, AES-256-GCM locally).
 * Every write is conditional on the item's version, so two writers never overwrite each other.
 * Items written before `current`/`pending` existed are read as they were and rewritten on the next
 * write.
 */
export class DatabaseRoleSecretStore implements RoleSecretStore {
  readonly provider = 'database' as const;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly cipher: CredentialCipher,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private async item(resourceKey: string, user: string): Promise<RoleItem | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: roleCredentialKey(resourceKey, user), ConsistentRead: true }));
    return out.Item ? RoleItemSchema.parse(out.Item) : undefined;
  }

  private async open(envelope: Envelope, resourceKey: string, user: string): Promise<RoleSecret> {
    return RoleSecretSchema.parse(JSON.parse(await this.cipher.decrypt(envelope, roleContext(resourceKey, user))));
  }

  /** A legacy item's lone password, with the server details the item or the scope gives. */
  private async legacy(item: RoleItem, state: 'pending' | 'current', scope: Pick<RoleSecretScope, 'resourceKey' | 'user'> & Partial<RoleSecretScope>) {
    if (!item.password || item.state !== state) return undefined;
    const password = await this.cipher.decrypt(item.password, roleContext(scope.resourceKey, scope.user));
    return { host: item.host ?? scope.host ?? '', port: item.port ?? scope.port ?? 0, user: scope.user, password, database: item.database ?? '' };
  }

  private async readState(scope: Pick<RoleSecretScope, 'resourceKey' | 'user'> & Partial<RoleSecretScope>, state: 'pending' | 'current') {
    const item = await this.item(scope.resourceKey, scope.user);
    if (!item) return undefined;
    const envelope = item[state];
    if (envelope) return this.open(envelope, scope.resourceKey, scope.user);
    return this.legacy(item, state, scope);
  }

  readCurrent(scope: RoleSecretScope): Promise<RoleSecret | undefined> {
    return this.readState(scope, 'current');
  }

  readPending(scope: RoleSecretScope): Promise<RoleSecret | undefined> {
    return this.readState(scope, 'pending');
  }

  /** One conditional write: the item must still be at the version `expected` was read at (or not exist). */
  private async update(scope: RoleSecretScope, expected: RoleItem | undefined, expression: string, values: Record<string, unknown>): Promise<void> {
    const names = Object.fromEntries(['user', 'current', 'state', 'database'].filter((n) => expression.includes(`#${n}`)).map((n) => [`#${n}`, n]));
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: roleCredentialKey(scope.resourceKey, scope.user),
          UpdateExpression: expression,
          // Items from before versions had none: they match as version 0.
          ConditionExpression: expected ? '(attribute_exists(pk) AND attribute_not_exists(version)) OR version = :expected' : 'attribute_not_exists(pk)',
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: {
            ...values,
            ':version': (expected?.version ?? 0) + 1,
            ':now': this.clock().toISOString(),
            ...(expected ? { ':expected': expected.version } : {}),
          },
        }),
      );
    } catch (error) {
      if (isConditionFailed(error)) {
        throw new ConflictError(`the stored credentials of "${scope.user}" on "${scope.resourceKey}" changed meanwhile; retry the step`, { cause: error });
      }
      throw error;
    }
  }

  async writePending(scope: RoleSecretScope, secret: RoleSecret): Promise<void> {
    const item = await this.item(scope.resourceKey, scope.user);
    let current = item?.current;
    // A legacy item's current password is kept, rewritten in today's shape.
    if (!current && item) {
      const legacy = await this.legacy(item, 'current', scope);
      if (legacy) current = await this.cipher.encrypt(JSON.stringify(legacy), roleContext(scope.resourceKey, scope.user));
    }
    const pending = await this.cipher.encrypt(JSON.stringify(secret), roleContext(scope.resourceKey, scope.user));
    await this.update(
      scope,
      item,
      `SET #user = :user, tier = :tier, db_arn = :arn, pending = :pending, pending_at = :now, version = :version${current ? ', #current = :current' : ''} REMOVE password, #state`,
      { ':user': scope.user, ':tier': scope.tier, ':arn': scope.resourceKey, ':pending': pending, ...(current ? { ':current': current } : {}) },
    );
  }

  async promote(scope: RoleSecretScope, secret: RoleSecret): Promise<CredentialsInfo> {
    const item = await this.item(scope.resourceKey, scope.user);
    const pending = item && (item.pending ? await this.open(item.pending, scope.resourceKey, scope.user) : await this.legacy(item, 'pending', scope));
    if (!pending || pending.password !== secret.password) {
      const current = await this.readState(scope, 'current');
      if (current?.password === secret.password) return this.info(scope);
      throw new ConflictError(`the pending password of "${scope.user}" on "${scope.resourceKey}" is not the one that logged in; retry the step`);
    }
    const current = await this.cipher.encrypt(JSON.stringify(secret), roleContext(scope.resourceKey, scope.user));
    await this.update(
      scope,
      item,
      'SET #current = :current, host = :host, port = :port, #database = :database, promoted_at = :now, version = :version REMOVE pending, pending_at, password, #state',
      { ':current': current, ':host': secret.host, ':port': secret.port, ':database': secret.database },
    );
    return this.info(scope);
  }

  async discardPending(scope: RoleSecretScope): Promise<void> {
    const item = await this.item(scope.resourceKey, scope.user);
    if (!item?.pending && item?.state !== 'pending') return;
    const legacyPending = item.state === 'pending' ? ', password, #state' : '';
    await this.update(scope, item, `SET version = :version, discarded_at = :now REMOVE pending, pending_at${legacyPending}`, {});
  }

  async info(scope: Pick<RoleSecretScope, 'resourceKey' | 'user'>): Promise<CredentialsInfo> {
    return { secrets_manager_provider: 'database', secret_id: roleCredentialId(scope.resourceKey, scope.user), secret_keys: [] };
  }

  async read(secretId: string): Promise<RoleSecret> {
    const { resourceKey, user } = parseRoleCredentialId(secretId);
    const secret = await this.readState({ resourceKey, user }, 'current').catch((error: unknown) => {
      if (error instanceof NotFoundError) throw error;
      throw new SecretStoreError(`read the credentials "${secretId}" from dbroles' store: ${(error as Error).name}`, { cause: error });
    });
    if (!secret) throw new NotFoundError(`no current credentials are stored under "${secretId}"`);
    return secret;
  }
}
