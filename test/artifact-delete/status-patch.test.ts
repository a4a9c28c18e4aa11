/** The status patch body's byte format (Go encoding/json): sorted keys incl. integer-like ones, omitempty, HTML-safe escapes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusPatchBody, type ArtifactResult } from '../../src/roles/artifact-delete/status-patch.ts';

const m = (entries: [string, ArtifactResult][]): Map<string, ArtifactResult> => new Map(entries);

test('status patch: Go map-key order, success/error omitempty, <>& escaped, empty maps omitted', () => {
  const results = new Map([
    ['n-b', m([['z', { name: 'z', success: true }], ['10', { name: '10', success: false, error: 'a <b> & c\u2028' }], ['9', { name: '9', success: true }]])],
    ['n-a', m([])],
  ]);
  assert.equal(statusPatchBody(results),
    '{"status":{"artifactResultsByNode":{"n-a":{},"n-b":{"artifactResults":{"10":{"name":"10","error":"a \\u003cb\\u003e \\u0026 c\\u2028"},"9":{"name":"9","success":true},"z":{"name":"z","success":true}}}}}}');
  assert.equal(statusPatchBody(new Map()), '{"status":{}}');
});
