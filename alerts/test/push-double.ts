import { execFileSync } from 'node:child_process';
import { createDecipheriv, createECDH, createHmac, createPublicKey, randomBytes, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A self-signed certificate for 127.0.0.1 made with the openssl CLI. */
export function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'push-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A browser-side push subscription: P-256 key pair and auth secret. */
export function browserSubscription(endpoint: string) {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return {
    endpoint,
    keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
    privateKey: ecdh.getPrivateKey(),
    publicKey: ecdh.getPublicKey(),
    authSecret: auth,
  };
}
export type BrowserSubscription = ReturnType<typeof browserSubscription>;

const hmac = (key: Buffer, data: Buffer) => createHmac('sha256', key).update(data).digest();

/** RFC 8291 + RFC 8188: decrypt one aes128gcm record with the subscription's private key and auth secret. */
export function decryptAes128gcm(body: Buffer, sub: BrowserSubscription): string {
  const salt = body.subarray(0, 16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(sub.privateKey);
  const shared = ecdh.computeSecret(asPublic);
  const prkKey = hmac(sub.authSecret, shared);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), sub.publicKey, asPublic, Buffer.from([1])]);
  const ikm = hmac(prkKey, keyInfo);
  const prk = hmac(salt, ikm);
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01', 'binary')).subarray(0, 16);
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01', 'binary')).subarray(0, 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const plain = Buffer.concat([
    decipher.update(ciphertext.subarray(0, ciphertext.length - 16)),
    decipher.final(),
  ]);
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  if (plain[end] !== 2) throw new Error('bad padding delimiter (expected 0x02 for the last record)');
  return plain.subarray(0, end).toString('utf8');
}

/** Verify `Authorization: vapid t=<jwt>, k=<public key>` (ES256) and return the claims and key. */
export function verifyVapid(authorization: string | undefined, audience: string) {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (!m) throw new Error(`no VAPID authorization header: ${authorization}`);
  const [h, p, s] = m[1]!.split('.');
  const pub = Buffer.from(m[2]!, 'base64url');
  const key = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: pub.subarray(1, 33).toString('base64url'),
      y: pub.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  });
  const ok = verify(
    'sha256',
    Buffer.from(`${h}.${p}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(s!, 'base64url'),
  );
  if (!ok) throw new Error('VAPID JWT signature does not verify');
  const header = JSON.parse(Buffer.from(h!, 'base64url').toString());
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
  if (header.alg !== 'ES256') throw new Error(`alg ${header.alg}`);
  if (claims.aud !== audience) throw new Error(`aud ${claims.aud} != ${audience}`);
  const now = Date.now() / 1000;
  if (!(claims.exp > now && claims.exp <= now + 86_400)) throw new Error('exp must be within 24 h');
  return { claims, publicKey: m[2]! };
}

export type PushReceived = {
  id: string;
  payload: string;
  claims: { sub: string };
  vapidKey: string;
  headers: Record<string, unknown>;
};

/**
 * A push service double over HTTPS: POST /push/<id>. Ids decide the answer: `gone-*` → 410,
 * `flaky-*` → 500 once then 201, anything else → 201. Accepted messages are decrypted and kept.
 */
export async function startPushService(subs: Map<string, BrowserSubscription>) {
  const tls = selfSignedCert();
  const received: PushReceived[] = [];
  const errors: string[] = [];
  const failedOnce = new Set<string>();
  let origin = '';
  const server: Server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const id = decodeURIComponent((req.url ?? '').replace(/^\/push\//, ''));
      try {
        if (req.method !== 'POST') throw new Error(`method ${req.method}`);
        if (req.headers['content-encoding'] !== 'aes128gcm')
          throw new Error('content-encoding must be aes128gcm');
        if (!req.headers.ttl) throw new Error('TTL header missing');
        const { claims, publicKey } = verifyVapid(req.headers.authorization, origin);
        if (id.startsWith('gone-')) return void res.writeHead(410).end('subscription expired');
        if (id.startsWith('flaky-') && !failedOnce.has(id)) {
          failedOnce.add(id);
          return void res.writeHead(500).end('try later');
        }
        const sub = subs.get(id);
        if (!sub) return void res.writeHead(404).end();
        received.push({
          id,
          payload: decryptAes128gcm(Buffer.concat(chunks), sub),
          claims,
          vapidKey: publicKey,
          headers: req.headers,
        });
        res.writeHead(201).end();
      } catch (err) {
        errors.push((err as Error).message);
        res.writeHead(400).end((err as Error).message);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  origin = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    origin,
    cert: tls.cert,
    received,
    errors,
    endpoint: (id: string) => `${origin}/push/${encodeURIComponent(id)}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
