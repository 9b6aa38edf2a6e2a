import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { EnvelopeSchema, type CredentialCipher } from '../secrets/cipher.ts';
import { awsSettingsKey } from './keys.ts';

/** AWS access keys given through the API; the secret parts are a secret. */
export const AwsSettingsSchema = z.object({
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-west-2'),
  access_key_id: z.string().regex(/^[A-Z0-9]{16,128}$/, 'must be an AWS access key id').optional(),
  secret_access_key: z.string().min(16).max(256).optional(),
  session_token: z.string().min(16).max(4096).optional(),
});
export type AwsSettings = z.infer<typeof AwsSettingsSchema>;

/** Persisted, encrypted AWS settings (the replaced product kept them in memory and lost them on restart). */
export interface AwsSettingsStore {
  get(): Promise<AwsSettings | undefined>;
  put(settings: AwsSettings): Promise<void>;
  delete(): Promise<void>;
}

const CONTEXT = { purpose: 'dbroles-aws-settings' };

export class DynamoAwsSettingsStore implements AwsSettingsStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly cipher: CredentialCipher,
  ) {}

  async get(): Promise<AwsSettings | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: awsSettingsKey(), ConsistentRead: true }));
    if (!out.Item) return undefined;
    return AwsSettingsSchema.parse(JSON.parse(await this.cipher.decrypt(EnvelopeSchema.parse(out.Item.settings), CONTEXT)));
  }

  async put(settings: AwsSettings): Promise<void> {
    const envelope = await this.cipher.encrypt(JSON.stringify(AwsSettingsSchema.parse(settings)), CONTEXT);
    await this.doc.send(new PutCommand({ TableName: this.table, Item: { ...awsSettingsKey(), settings: envelope, updated_at: new Date().toISOString() } }));
  }

  async delete(): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: awsSettingsKey() }));
  }
}
