import { createECDH } from 'node:crypto';
import { z } from 'zod';
import { readOrCreateSecretFile } from '../secret-file.ts';

/** VAPID key pair as web-push expects it: base64url uncompressed P-256 public key and raw private key. */
export const vapidKeysSchema = z.object({
  publicKey: z.string().regex(/^[A-Za-z0-9_-]{87}$/, 'must be a base64url 65-byte P-256 public key'),
  privateKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a base64url 32-byte private key'),
});
export type VapidKeys = z.infer<typeof vapidKeysSchema>;

/** Same output as web-push's generateVAPIDKeys() (ECDH prime256v1), without the dependency in common. */
export function generateVapidKeys(): VapidKeys {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  let priv = ecdh.getPrivateKey();
  if (priv.length < 32) priv = Buffer.concat([Buffer.alloc(32 - priv.length), priv]);
  return { publicKey: ecdh.getPublicKey().toString('base64url'), privateKey: priv.toString('base64url') };
}

/**
 * The server's VAPID keys, generated once at setup into `<dataDir>/vapid.json` (mode 0600) and read
 * by the gateway (serves the public key to browsers) and the alerts notifier (signs push requests).
 */
export function loadOrCreateVapidKeys(dataDir: string): VapidKeys {
  const raw = readOrCreateSecretFile(dataDir, 'vapid.json', () => JSON.stringify(generateVapidKeys()));
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(`${dataDir}/vapid.json is not JSON; delete it to generate new VAPID keys`);
  }
  const r = vapidKeysSchema.safeParse(parsed);
  if (!r.success)
    throw new Error(`${dataDir}/vapid.json is invalid (${r.error.issues.map((i) => i.message).join('; ')})`);
  return r.data;
}
