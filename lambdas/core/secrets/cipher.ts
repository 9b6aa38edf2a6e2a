import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import * as z from 'zod';
import { DbrolesError } from '../errors.ts';

/** An encrypted secret at rest: AES-256-GCM, with the data key wrapped by KMS when deployed. */
export const EnvelopeSchema = z.object({
  v: z.literal(1),
  key_id: z.string(),
  /** The data key encrypted by KMS (base64); absent for the local key. */
  wrapped_key: z.string().optional(),
  iv: z.string(),
  tag: z.string(),
  ciphertext: z.string(),
});
export type Envelope = z.infer<typeof EnvelopeSchema>;

/** Binds a ciphertext to what it protects: decrypting it under another context fails. */
export type EncryptionContext = Record<string, string>;

/** Encrypts and decrypts secrets. Implementations never log or return plaintext anywhere else. */
export interface CredentialCipher {
  encrypt(plaintext: string, context: EncryptionContext): Promise<Envelope>;
  decrypt(envelope: Envelope, context: EncryptionContext): Promise<string>;
}

function aad(context: EncryptionContext): Buffer {
  return Buffer.from(JSON.stringify(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : 1))));
}

function seal(key: Buffer, plaintext: string, context: EncryptionContext): Pick<Envelope, 'iv' | 'tag' | 'ciphertext'> {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(context));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ciphertext: ciphertext.toString('base64') };
}

function open(key: Buffer, envelope: Envelope, context: EncryptionContext): string {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64'));
    decipher.setAAD(aad(context));
    decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(envelope.ciphertext, 'base64')), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new DbrolesError(`cannot decrypt a stored credential (key "${envelope.key_id}"): wrong key or tampered data`, { cause: error });
  }
}

/** AES-256-GCM with a local 32-byte key (the local runtime's key file). */
export class LocalKeyCipher implements CredentialCipher {
  constructor(
    private readonly key: Buffer,
    private readonly keyId = 'local',
  ) {
    if (key.length !== 32) throw new DbrolesError('the local credential key must be 32 bytes');
  }

  async encrypt(plaintext: string, context: EncryptionContext): Promise<Envelope> {
    return { v: 1, key_id: this.keyId, ...seal(this.key, plaintext, context) };
  }

  async decrypt(envelope: Envelope, context: EncryptionContext): Promise<string> {
    return open(this.key, envelope, context);
  }
}

/** Envelope encryption with a KMS key: one data key per secret, wrapped with the same encryption context. */
export class KmsEnvelopeCipher implements CredentialCipher {
  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}

  async encrypt(plaintext: string, context: EncryptionContext): Promise<Envelope> {
    const dataKey = await this.kms.send(new GenerateDataKeyCommand({ KeyId: this.keyId, KeySpec: 'AES_256', EncryptionContext: context }));
    if (!dataKey.Plaintext || !dataKey.CiphertextBlob) throw new DbrolesError('KMS GenerateDataKey returned no key');
    const key = Buffer.from(dataKey.Plaintext);
    try {
      return { v: 1, key_id: this.keyId, wrapped_key: Buffer.from(dataKey.CiphertextBlob).toString('base64'), ...seal(key, plaintext, context) };
    } finally {
      key.fill(0);
    }
  }

  async decrypt(envelope: Envelope, context: EncryptionContext): Promise<string> {
    if (!envelope.wrapped_key) throw new DbrolesError('stored credential has no KMS-wrapped key');
    const out = await this.kms.send(
      new DecryptCommand({ CiphertextBlob: Buffer.from(envelope.wrapped_key, 'base64'), EncryptionContext: context, KeyId: envelope.key_id }),
    );
    if (!out.Plaintext) throw new DbrolesError('KMS Decrypt returned no key');
    const key = Buffer.from(out.Plaintext);
    try {
      return open(key, envelope, context);
    } finally {
      key.fill(0);
    }
  }
}
