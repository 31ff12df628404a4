import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { envSchema } from '@sentinel/common';
import { renderEnvExample } from '../local/gen-env-example.ts';

test('.env.example documents every variable of the config schema and is up to date', () => {
  const file = readFileSync(resolve(import.meta.dirname, '../../.env.example'), 'utf8');
  for (const key of Object.keys(envSchema.shape)) assert.match(file, new RegExp(`^# ${key}=`, 'm'), key);
  assert.equal(file, renderEnvExample(), 'run: node --import tsx infra/local/gen-env-example.ts');
});
