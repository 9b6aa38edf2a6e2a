import { randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { KmsEnvelopeCipher, LocalKeyCipher } from '../../../../lambdas/core/secrets/cipher.ts';

const kms = mockClient(KMSClient);
afterAll(() => kms.restore());

describe('LocalKeyCipher', () => {
  const cipher = new LocalKeyCipher(randomBytes(32));
  const context = { db_arn: 'arn:aws:rds:us-east-1:1:db:a' };

  it('round-trips and keeps no plaintext in the envelope', async () => {
    const envelope = await cipher.encrypt('Sup3r*Secret_pw', context);
    expect(JSON.stringify(envelope)).not.toContain('Sup3r*Secret_pw');
    expect(await cipher.decrypt(envelope, context)).toBe('Sup3r*Secret_pw');
  });

  it('refuses another context, a tampered ciphertext and another key', async () => {
    const envelope = await cipher.encrypt('pw-123456', context);
    await expect(cipher.decrypt(envelope, { db_arn: 'other' })).rejects.toThrow(/cannot decrypt a stored credential/);
    const tampered = { ...envelope, ciphertext: Buffer.from('x'.repeat(9)).toString('base64') };
    await expect(cipher.decrypt(tampered, context)).rejects.toThrow(/tampered/);
    await expect(new LocalKeyCipher(randomBytes(32)).decrypt(envelope, context)).rejects.toThrow(/wrong key/);
  });

  it('wants a 32-byte key', () => {
    expect(() => new LocalKeyCipher(randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe('KmsEnvelopeCipher', () => {
  it('wraps a fresh data key per secret with the encryption context, and unwraps it to decrypt', async () => {
    const dataKey = randomBytes(32);
    kms.on(GenerateDataKeyCommand).resolves({ Plaintext: new Uint8Array(dataKey), CiphertextBlob: new Uint8Array(Buffer.from('wrapped-key')) });
    kms.on(DecryptCommand).resolves({ Plaintext: new Uint8Array(dataKey) });
    const cipher = new KmsEnvelopeCipher(new KMSClient({ region: 'us-east-1' }), 'arn:aws:kms:us-east-1:1:key/k');
    const context = { purpose: 'dbroles-master', db_arn: 'arn:x' };
    const envelope = await cipher.encrypt('master-pw-value', context);
    expect(envelope.wrapped_key).toBe(Buffer.from('wrapped-key').toString('base64'));
    expect(kms.commandCalls(GenerateDataKeyCommand)[0]?.args[0].input).toEqual({ KeyId: 'arn:aws:kms:us-east-1:1:key/k', KeySpec: 'AES_256', EncryptionContext: context });
    expect(await cipher.decrypt(envelope, context)).toBe('master-pw-value');
    expect(kms.commandCalls(DecryptCommand)[0]?.args[0].input.EncryptionContext).toEqual(context);
  });
});
