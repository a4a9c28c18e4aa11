// The Go reference executor and controller were built from the Go module proxy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { need } from './env.ts';

test('reference argoexec prints its version', () => {
  const out = execFileSync(need('REFERENCE_ARGOEXEC'), ['version'], { encoding: 'utf8' });
  assert.match(out, new RegExp(`^argoexec: ${need('ARGO_REFERENCE_VERSION').replace(/\./g, '\\.')}$`, 'm'));
});

test('workflow-controller binary runs', () => {
  const out = execFileSync(need('WORKFLOW_CONTROLLER'), ['--help'], { encoding: 'utf8' });
  assert.match(out, /--namespaced/);
});
