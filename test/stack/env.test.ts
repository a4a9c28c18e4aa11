import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnvFile } from './env.ts';

test('parseEnvFile understands the shell quoting stack/up.sh writes', () => {
  const env = parseEnvFile([
    '# comment',
    "export A='plain'",
    "export B='it'\\''s'",
    'C=bare',
    'export D="dq \\"x\\""',
    "export E='a=b;c=d'",
    '',
  ].join('\n'));
  assert.deepEqual(env, { A: 'plain', B: "it's", C: 'bare', D: 'dq "x"', E: 'a=b;c=d' });
});
