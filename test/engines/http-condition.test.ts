/**
 * The agent's HTTP successCondition (lifecycle §10.4; agent.go executeHTTPTemplate → argoexpr.EvalBool) through the
 * expr engine dist/argoexec embeds, against the Go reference (the same wrapper built natively): every case gives
 * the reference's value or error text. The scope carries Go's types: http.Header (its methods callable),
 * []byte bodyBytes (nil without bodyFrom), int statusCode. Some values are also pinned to what expr documents.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HttpConditionScope } from '../../src/core/engines/expr.ts';
import { asResponse, referenceBatch, referencePrograms, wasmEngines } from '../support/engines.ts';

const scope: HttpConditionScope = {
  request: { method: 'POST', url: 'http://x/y', body: 'b', bodyBytes: null, headers: { 'x-a': ['1'] } },
  response: { statusCode: 201, body: '{"ok":true,"items":[1,2,3],"name":"argo"}', headers: { Server: ['cloudflare'], 'Content-Type': ['application/json'] } },
};
const withBytes: HttpConditionScope = { ...scope, request: { ...scope.request, bodyBytes: new Uint8Array([104, 105]) } };

const CASES: [string, HttpConditionScope?][] = [
  // Argo's examples and docs
  ['response.statusCode == 201'], ['response.body contains "ok"'], ['response.headers["Server"][0] == "cloudflare"'],
  ["response.headers['Server'][0] == 'nginx'"],
  // operators
  ['response.statusCode >= 200 && response.statusCode < 300'], ['response.statusCode == 200 or response.statusCode == 201'],
  ['not (response.statusCode == 201)'], ['!(response.statusCode != 201)'], ['response.statusCode in [200, 201, 204]'],
  ['response.statusCode not in [200, 204]'], ['"Server" in response.headers && !("X-Missing" in response.headers)'],
  ['request.url startsWith "http://" and request.url endsWith "/y"'], ['response.body matches "\\"name\\":\\"ar+go\\""'],
  ['response.statusCode / 100 == 2.01 && response.statusCode % 100 == 1 && -response.statusCode < 0'],
  ['2 ** 3 == 8 && 1 + 2 * 3 == 7 && (1 + 2) * 3 == 9'], ['response.missing == nil && response.missing ?? true'],
  ['response.statusCode == 201 ? request.method == "POST" : false'], ['response.statusCode == 201.0'], ['request.body + "c" == "bc"'],
  ['response?.nope?.deeper == nil'],
  // builtins, closures, pipes, let, map literals, methods of http.Header
  ['len(response.body) > 10 && len(response.headers) == 2 && len(request.headers["x-a"]) == 1'],
  ['lower(request.method) == "post" && upper("a") == "A" && trim("  x ") == "x"'],
  ['fromJSON(response.body).ok && fromJSON(response.body).items[-1] == 3 && len(fromJSON(response.body).items) == 3'],
  ['split("a,b", ",")[1] == "b" && int("42") == 42 && string(201) == "201"'], ['response.body[0:1] == "{"'],
  ['all(response.headers, {# != nil})'], ['response.body | lower() contains "argo"'], ['let x = 1; x == 1'], ['{"a": 1}.a == 1'],
  ['response.headers.Get("content-type") == "application/json"'], ['request.headers.Get("X-A") == ""'],
  ['response.headers.Values("Server") == ["cloudflare"]'], ['request.headers["x-a"] == ["1"]'],
  ['request.bodyBytes == nil'], ['len(request.bodyBytes) == 0'], ['string(request.bodyBytes) == "hi"', withBytes], ['request.bodyBytes == nil', withBytes],
  ['map(fromJSON(response.body).items, # * 2) == [2, 4, 6]'], ['sum(fromJSON(response.body).items) == 6'], ['now() > date("2020-01-01")'],
  // errors
  ['foo == 1'], ['response.statusCode == '], ['response.statusCode'], ['response.body'], ['response.statusCode contains "2"'],
  ['response.nope.deeper == 1'], ['response.statusCode && true'], ['response.body.constructor == nil'],
  ['response.constructor == nil && response.__proto__ == nil'], ['process.exit(1)'], ['fromJSON("{")'], ['response.body matches "("'],
  ['int("x") == 1'], ['1 / 0 > 0'], ['[1][5] == 1'],
];

test('10.4 successCondition: the Go reference\'s value or error text for every case', () => {
  const { expr } = wasmEngines();
  const toRequest = (condition: string, s: HttpConditionScope): unknown => ({
    op: 'http', condition, request: { ...s.request, bodyBytes: s.request.bodyBytes ? Buffer.from(s.request.bodyBytes).toString('base64') : null }, response: s.response,
  });
  const reference = referenceBatch(referencePrograms().expr, CASES.map(([c, s]) => toRequest(c, s ?? scope)));
  CASES.forEach(([condition, s], k) => {
    assert.deepEqual(asResponse(() => expr.httpSuccessCondition(condition, s ?? scope)), reference[k], condition);
  });
});

test('10.4 successCondition: values and texts documented by expr and Argo', () => {
  const { expr } = wasmEngines();
  const ok = (c: string): boolean => expr.httpSuccessCondition(c, scope);
  assert.equal(ok('response.statusCode == 201'), true);
  assert.equal(ok('response.body contains "nope"'), false);
  assert.equal(ok('response.headers.Get("server") == "cloudflare"'), true, 'http.Header methods (canonical lookup)');
  assert.throws(() => ok('foo == 1'), { message: 'unknown name foo (1:1)\n | foo == 1\n | ^' });
  assert.throws(() => ok('response.statusCode'), { message: "unable to cast expression result '%!s(int=201)' to bool" });
  // (`response.statusCode contains "2"` fails at run time with a Go interface-conversion text: the first test pins it.)
});
