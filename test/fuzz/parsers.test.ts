/**
 * Property-based fuzzing of the small parsers (issue 13, hostile-input part), with fast-check.
 * Differential where Go's standard library defines the answer (test/fuzz/go-oracle): Go durations, RFC 3339
 * deadlines, the args file, signal files, the grace period — same value or the same error text for every input.
 * The template parser: whatever the JSON, it returns a template the role helpers can read, or throws an Error whose
 * text is encoding/json's — never a TypeError or anything else a role would print as a crash.
 * Light by design (a few hundred inputs per property, one Go call per batch): the machine is shared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseRfc3339 } from '../../src/core/bootstrap.ts';
import { parseGoDurationNs } from '../../src/core/go-duration.ts';
import { terminationGraceMs } from '../../src/core/kill-protocol.ts';
import { createLogger } from '../../src/core/log.ts';
import { archivesLogs, mainContainerNames, parseTemplate, sidecarNames, volumeMounts } from '../../src/core/template.ts';
import { applyArgsFile } from '../../src/roles/emissary/args-file.ts';
import { parseSignalFile } from '../../src/roles/emissary/file-signal.ts';
import { askGo } from './oracle.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);

/** Draw `n` values of `arb` reproducibly (fc.sample with the seed), so one batch goes to Go. */
function draw<T>(arb: fc.Arbitrary<T>, n = RUNS): T[] {
  return fc.sample(arb, { seed: SEED, numRuns: n });
}

const text = (unit: 'binary' | 'binary-ascii' = 'binary', maxLength = 24): fc.Arbitrary<string> => fc.string({ unit, maxLength });
/** Strings built from the pieces a parser cares about, mixed with arbitrary characters. */
const pieces = (parts: string[], maxLength = 8): fc.Arbitrary<string> =>
  fc.array(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...parts) }, { weight: 1, arbitrary: text('binary', 2) }), { maxLength }).map((a) => a.join(''));

function ours<T>(fn: () => T): { ok: T } | { err: string } {
  try { return { ok: fn() }; } catch (err) {
    assert.ok(err instanceof Error && !(err instanceof TypeError) && !(err instanceof RangeError), `not a clear error: ${String(err)}`);
    return { err: err.message };
  }
}

function differential<T>(label: string, inputs: string[], op: string, mine: (s: string) => T, compare: (mineOk: T, goOk: unknown) => boolean = (a, b) => a === b): void {
  const go = askGo(op, inputs);
  const mismatches: string[] = [];
  inputs.forEach((input, i) => {
    const g = go[i] as { ok?: unknown; err?: string };
    const m = ours(() => mine(input));
    const same = 'err' in m ? g.err === m.err : g.err === undefined && compare(m.ok, g.ok);
    if (!same) mismatches.push(`${JSON.stringify(input)}: go ${JSON.stringify(g)} ours ${JSON.stringify('ok' in m ? String(m.ok) : m)}`);
  });
  assert.deepEqual(mismatches.slice(0, 10), [], `${label}: ${mismatches.length} of ${inputs.length} differ (seed ${SEED})`);
}

test('Go durations: time.ParseDuration value or error text, for any string', () => {
  const units = ['ns', 'us', 'µs', 'μs', 'ms', 's', 'm', 'h', 'd', 'x', 'S', 'mss'];
  const inputs = [
    ...draw(pieces(['1', '0', '9', '.', '-', '+', '00', '123', '9223372036854775807', '2562047', ...units])),
    ...draw(text()),
    ...draw(fc.tuple(fc.constantFrom('', '-', '+'), fc.bigInt({ min: 0n, max: 1n << 64n }), fc.constantFrom(...units), fc.nat(999)).map(([s, n, u, f]) => `${s}${n}.${f}${u}`), 200),
  ];
  differential('ParseDuration', inputs, 'duration', (s) => String(parseGoDurationNs(s)));
});

test('ARGO_DEADLINE: time.Parse(RFC3339) error text or instant, for near-RFC 3339 strings', () => {
  const rfc = fc.tuple(
    fc.oneof(fc.integer({ min: 0, max: 9999 }).map((y) => String(y).padStart(4, '0')), text('binary-ascii', 5)),
    fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 39 }), fc.integer({ min: 0, max: 29 }), fc.integer({ min: 0, max: 69 }), fc.integer({ min: 0, max: 69 }),
    fc.constantFrom('', '.5', '.123456789', ',25', '.'),
    fc.constantFrom('Z', '+00:00', '-07:30', '+24:00', 'z', '', '+0100', 'Zx', ' '),
    fc.constantFrom('T', 't', ' ', 'T'),
  ).map(([y, mo, d, h, mi, s, frac, zone, sep]) => `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}${sep}${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(s).padStart(2, '0')}${frac}${zone}`);
  const inputs = [...draw(rfc, 600), ...draw(text('binary-ascii', 30), 100)];
  differential('time.Parse(RFC3339)', inputs, 'rfc3339', (s) => parseRfc3339(s), (mine, go) => mine === Number(go));
});

test('args file: the emissary reads exactly what json.Unmarshal into []string reads', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fuzz-args-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = createLogger('error', 'text', () => undefined);
  const argsLike = fc.oneof(
    fc.array(fc.oneof(fc.string(), fc.constant(null), fc.integer(), fc.boolean(), fc.constant([]), fc.constant({})), { maxLength: 4 }).map((a) => JSON.stringify(a)),
    fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
  );
  const inputs = draw(argsLike, 300);
  const file = join(dir, 'args.json');
  differential('args file', inputs, 'args', (s) => {
    // Valid JSON only: malformed JSON is a SyntaxError in both (texts differ by engine); covered by the hostile table.
    writeFileSync(file, s);
    try {
      return JSON.stringify(applyArgsFile([], file, log, dir));
    } catch (err) {
      // The emissary prefixes Go's error as Go's emissary does (fmt.Errorf("failed to unmarshal container args: %w")).
      const prefix = 'failed to unmarshal container args: ';
      assert.ok((err as Error).message.startsWith(prefix), (err as Error).message);
      throw new Error((err as Error).message.slice(prefix.length));
    }
  }, (mine, go) => mine === JSON.stringify(go));
});

test('signal files: Atoi(TrimSpace(data)) > 0 or ignored, for any content', () => {
  const inputs = [
    ...draw(pieces(['1', '9', '15', '-', '+', ' ', '\n', '\t', '\u0085', '\u00a0', '\ufeff', '\u2028', '\u3000', '9223372036854775808', '0x', '1e2', '_'])),
    ...draw(text()),
  ];
  differential('signal file', inputs, 'signal', (s) => String(parseSignalFile(s) ?? 0), (mine, go) => mine === String(go));
});

test('ARGO_TERMINATION_GRACE_PERIOD_SECONDS: ParseInt > 0 seconds, else 30 s', () => {
  const inputs = [...draw(pieces(['1', '0', '30', '-', '+', ' ', '9223372036854775807', '9223372036854775808', 'e', '.5', 's'], 4)), ...draw(text('binary-ascii', 8), 100)];
  differential('grace period', inputs, 'grace', (s) => terminationGraceMs({ ARGO_TERMINATION_GRACE_PERIOD_SECONDS: s }), (mine, go) => mine === Number(go) * 1000);
});

/** JSON values shaped like templates: the members the executor reads, each with a value of any kind. */
const anyJson = fc.jsonValue({ maxDepth: 2 });
const maybe = (arb: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => fc.oneof({ weight: 3, arbitrary: arb }, { weight: 1, arbitrary: anyJson });
const artifact = fc.record({ name: maybe(fc.string()), path: maybe(fc.string()), optional: maybe(fc.boolean()), mode: maybe(fc.integer()), archive: maybe(fc.record({ tar: anyJson }, { requiredKeys: [] })) }, { requiredKeys: [] });
const mounts = maybe(fc.array(maybe(fc.record({ name: maybe(fc.string()), mountPath: maybe(fc.string()) })), { maxLength: 3 }));
const templateLike = fc.record({
  name: maybe(fc.string()),
  inputs: maybe(fc.record({ artifacts: maybe(fc.array(maybe(artifact), { maxLength: 3 })) }, { requiredKeys: [] })),
  outputs: maybe(fc.record({
    parameters: maybe(fc.array(maybe(fc.record({ name: maybe(fc.string()), value: anyJson, valueFrom: maybe(fc.record({ path: maybe(fc.string()), default: anyJson }, { requiredKeys: [] })) }, { requiredKeys: [] })), { maxLength: 3 })),
    artifacts: maybe(fc.array(maybe(artifact), { maxLength: 3 })),
  }, { requiredKeys: [] })),
  container: maybe(fc.record({ volumeMounts: mounts }, { requiredKeys: [] })),
  script: maybe(fc.record({ source: maybe(fc.string()), volumeMounts: mounts }, { requiredKeys: [] })),
  containerSet: maybe(fc.record({
    containers: maybe(fc.array(maybe(fc.record({ name: maybe(fc.string()), dependencies: maybe(fc.array(maybe(fc.string()), { maxLength: 2 })) }, { requiredKeys: [] })), { maxLength: 3 })),
    volumeMounts: mounts,
    retryStrategy: maybe(fc.record({ retries: maybe(fc.oneof(fc.integer(), fc.string())), duration: maybe(fc.string()) }, { requiredKeys: [] })),
  }, { requiredKeys: [] })),
  sidecars: maybe(fc.array(maybe(fc.record({ name: maybe(fc.string()) })), { maxLength: 2 })),
  archiveLocation: maybe(fc.record({ archiveLogs: maybe(fc.boolean()) }, { requiredKeys: [] })),
}, { requiredKeys: [] });

test('template: any JSON gives a template the helpers read, or encoding/json\'s type error — never a crash', () => {
  fc.assert(fc.property(fc.oneof(templateLike, anyJson), (value) => {
    const json = JSON.stringify(value);
    let t;
    try {
      t = parseTemplate(json);
    } catch (err) {
      assert.ok(err instanceof Error && !(err instanceof TypeError) && !(err instanceof RangeError), String(err));
      assert.match(err.message, /^json: cannot unmarshal (string|number( \S+)?|bool|array|object) into Go (struct field [A-Za-z]+(\.[A-Za-z]+)+|value) of type \S+$/);
      return;
    }
    const names = mainContainerNames(t);
    assert.ok(names.every((n) => typeof n === 'string' || n === undefined));
    assert.ok(sidecarNames(t).every((n) => typeof n === 'string' || n === undefined));
    assert.ok(Array.isArray(volumeMounts(t)));
    assert.equal(typeof archivesLogs(t), 'boolean');
    for (const p of t.outputs?.parameters ?? []) {
      for (const v of [p.value, p.default, p.valueFrom?.default]) assert.ok(v === undefined || v === null || typeof v === 'string', `AnyString as a string: ${JSON.stringify(v)}`);
    }
  }), { seed: SEED, numRuns: RUNS });
});

test('template: any text is a template or a clear error (JSON syntax or encoding/json type error)', () => {
  fc.assert(fc.property(fc.oneof(text('binary', 40), pieces(['{', '}', '[', ']', '"', ':', ',', 'null', '"outputs"', '"parameters"', '1', 'true', ' '], 12)), (s) => {
    try {
      parseTemplate(s);
    } catch (err) {
      assert.ok(err instanceof SyntaxError || (err instanceof Error && err.message.startsWith('json: cannot unmarshal ')), String(err));
    }
  }), { seed: SEED, numRuns: RUNS });
});
