import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config/index.ts';

test('defaults give the project ports', () => {
  const cfg = loadConfig({});
  assert.equal(cfg.NATS_URL, 'nats://127.0.0.1:4422');
  assert.equal(cfg.DATABASE_URL, 'postgres://sentinel:sentinel@127.0.0.1:5433/sentinel');
  assert.equal(cfg.REDIS_URL, 'redis://127.0.0.1:6380');
  assert.equal(cfg.PORT, 8080);
  assert.ok(cfg.SENTINEL_DATA_DIR.endsWith('/.data'));
});

test('bad values give one precise line per variable', () => {
  assert.throws(
    () =>
      loadConfig({
        PORT: '99999',
        NATS_URL: 'http://x',
        LOG_LEVEL: 'loud',
        SENTINEL_PROVISION_NATS: 'maybe',
      }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      const text = err.issues.join('\n');
      assert.match(text, /^PORT: must be between 1 and 65535 \(got "99999"\)$/m);
      assert.match(
        text,
        /^NATS_URL: must be a URL with scheme nats or tls or ws or wss \(got "http:\/\/x"\)$/m,
      );
      assert.match(text, /^LOG_LEVEL: must be a pino level \(got "loud"\)$/m);
      assert.match(text, /^SENTINEL_PROVISION_NATS: must be true or false/m);
      assert.equal(err.issues.length, 4);
      return true;
    },
  );
});

test('empty strings count as unset', () => {
  assert.equal(loadConfig({ PORT: '' }).PORT, 8080);
});
