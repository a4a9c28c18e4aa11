/**
 * The successCondition evaluator (src/roles/agent/expr.ts): the expr-lang subset of Argo's docs and
 * examples, expr's semantics for a map[string]any environment, and clear refusals outside the subset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evalBool, type Value } from '../../src/roles/agent/expr.ts';

const env: Record<string, Value> = {
  request: { method: 'POST', url: 'http://x/y', body: 'b', bodyBytes: null, headers: { 'x-a': ['1'] } },
  response: { statusCode: 201, body: '{"ok":true,"items":[1,2,3],"name":"argo"}', headers: { Server: ['cloudflare'], 'Content-Type': ['application/json'] } },
};
const ok = (src: string): boolean => evalBool(src, env);

test('Argo examples: statusCode, contains, header index', () => {
  assert.equal(ok('response.statusCode == 201'), true);
  assert.equal(ok('response.body contains "ok"'), true);
  assert.equal(ok('response.headers["Server"][0] == "cloudflare"'), true);
  assert.equal(ok("response.headers['Server'][0] == 'nginx'"), false);
});

test('operators: logic, comparison, in, string operators, arithmetic, ternary, nil', () => {
  assert.equal(ok('response.statusCode >= 200 && response.statusCode < 300'), true);
  assert.equal(ok('response.statusCode == 200 or response.statusCode == 201'), true);
  assert.equal(ok('not (response.statusCode == 201)'), false);
  assert.equal(ok('!(response.statusCode != 201)'), true);
  assert.equal(ok('response.statusCode in [200, 201, 204]'), true);
  assert.equal(ok('response.statusCode not in [200, 204]'), true);
  assert.equal(ok('"Server" in response.headers && !("X-Missing" in response.headers)'), true);
  assert.equal(ok('request.url startsWith "http://" and request.url endsWith "/y"'), true);
  assert.equal(ok('response.body matches "\\"name\\":\\"ar+go\\""'), true);
  assert.equal(ok('response.statusCode / 100 == 2.01 && response.statusCode % 100 == 1 && -response.statusCode < 0'), true);
  assert.equal(ok('2 ** 3 == 8 && 1 + 2 * 3 == 7 && (1 + 2) * 3 == 9'), true);
  assert.equal(ok('response.missing == nil && response.missing ?? true'), true);
  assert.equal(ok('response.statusCode == 201 ? request.method == "POST" : false'), true);
  assert.equal(ok('response.statusCode == 201.0'), true, 'int and float compare as numbers');
  assert.equal(ok('request.body + "c" == "bc"'), true);
  assert.equal(ok('response?.nope?.deeper == nil'), true);
});

test('builtins: len, lower, upper, trim, split, fromJSON, int, string', () => {
  assert.equal(ok('len(response.body) > 10 && len(response.headers) == 2 && len(request.headers["x-a"]) == 1'), true);
  assert.equal(ok('lower(request.method) == "post" && upper("a") == "A" && trim("  x ") == "x"'), true);
  assert.equal(ok('fromJSON(response.body).ok && fromJSON(response.body).items[-1] == 3 && len(fromJSON(response.body).items) == 3'), true);
  assert.equal(ok('split("a,b", ",")[1] == "b" && int("42") == 42 && string(201) == "201"'), true);
  assert.equal(ok('response.body[0:1] == "{"'), true);
});

test('errors: compile errors with position, runtime errors wrapped, non-bool refused', () => {
  assert.throws(() => ok('foo == 1'), { message: 'unknown name foo (1:1)\n | foo == 1\n | ^' });
  assert.throws(() => ok('response.statusCode == '), /unexpected end of expression/);
  assert.throws(() => ok('response.statusCode'), { message: "unable to cast expression result '%!s(int=201)' to bool" });
  assert.throws(() => ok('response.body'), { message: `unable to cast expression result '${(env.response as { body: string }).body}' to bool` });
  assert.throws(() => ok('response.statusCode contains "2"'), { message: 'unable to evaluate expression \'response.statusCode contains "2"\': invalid operation: contains (mismatched types int and string) (1:21)\n | response.statusCode contains "2"\n | ....................^' });
  assert.throws(() => ok('response.nope.deeper == 1'), /unable to evaluate expression 'response\.nope\.deeper == 1': cannot fetch deeper from <nil> \(1:15\)/);
  assert.throws(() => ok('response.statusCode && true'), /invalid operation: && \(mismatched types int and bool\)/);
});

test('outside the subset: clear refusals, never evaluated as JavaScript', () => {
  assert.throws(() => ok('all(response.headers, {# != nil})'), /function all is not supported by argoexec-ts's expression subset/);
  assert.throws(() => ok('response.body | lower() == "x"'), /unsupported syntax "\|"/);
  assert.throws(() => ok('let x = 1; x == 1'), /unsupported syntax "let"/);
  assert.throws(() => ok('{"a": 1}.a == 1'), /unsupported syntax \(map literals\)/);
  assert.throws(() => ok('response.body.constructor == nil'), /cannot use string as index to string/);
  assert.equal(ok('response.constructor == nil && response.__proto__ == nil'), true, 'only own keys of the environment');
  assert.throws(() => ok('process.exit(1)'), /unknown name process/);
});
