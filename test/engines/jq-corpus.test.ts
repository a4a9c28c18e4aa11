/**
 * Resource template jqFilter (lifecycle §10.2): our jq engine (gojq compiled to WebAssembly) against the Go
 * reference (the same wrapper built natively: the code argoexec's jqFilter runs) on gojq's own test corpus,
 * cli/test.yaml of the gojq version argoexec v4.1.2 pins, read from the Go module cache.
 *
 * Each case becomes Argo's call: the case's query over each input value (one at a time, as Argo passes one object),
 * `null` with -n, the array of all values with -s. Output flags (-c, -r, -j, -a, -S, -C, -M, -e, --tab, --indent,
 * --yaml-output, --raw-output0)
 * do not change what the query computes and are ignored. Cases whose meaning needs the command line (named
 * arguments, files, modules, --stream, raw or YAML input, environment) or that have no input value are
 * excluded, by reason; the test prints the counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { goModuleDir, requiredVersion } from '../../scripts/engines.ts';
import { asResponse, referenceBatch, referencePrograms, wasmEngines } from '../support/engines.ts';

interface Case { name: string; args?: string[]; input?: string; env?: string[] }

const SHORT_OK = new Set(['c', 'r', 'j', 'a', 'S', 'C', 'M', 'e', 'n', 's']);
const LONG_OK = new Set(['--compact-output', '--raw-output', '--join-output', '--ascii-output', '--sort-keys', '--color-output',
  '--monochrome-output', '--exit-status', '--tab', '--null-input', '--slurp', '--yaml-output', '--raw-output0']);

/** Split a text of concatenated JSON values (gojq's input) into the values' texts; invalid text stays in one piece. */
export function splitJsonValues(text: string): string[] {
  const values: string[] = [];
  let i = 0;
  const ws = /\s/;
  while (i < text.length) {
    while (i < text.length && ws.test(text[i] as string)) i++;
    if (i >= text.length) break;
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < text.length; i++) {
      const c = text[i] as string;
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') { inString = false; if (depth === 0) { i++; break; } }
        continue;
      }
      if (c === '"') { inString = true; continue; }
      if (c === '[' || c === '{') depth++;
      else if (c === ']' || c === '}') { depth--; if (depth <= 0) { i++; break; } }
      else if (depth === 0 && (ws.test(c) || (i > start && (c === '[' || c === '{' || c === '"')))) break;
    }
    values.push(text.slice(start, i));
  }
  return values;
}

/** The Argo calls of a case ({filter, input} each), or why the case is excluded. */
function callsOf(c: Case): { calls: { filter: string; input: string }[] } | { excluded: string } {
  if (c.env && c.env.length > 0) return { excluded: 'environment variables (gojq CLI settings)' };
  const args = c.args ?? [];
  const positional: string[] = [];
  let nullInput = false;
  let slurp = false;
  for (let k = 0; k < args.length; k++) {
    const a = args[k] as string;
    if (a === '--') { positional.push(...args.slice(k + 1)); break; }
    if (a === '--indent') { k++; continue; }
    if (a.startsWith('--indent=')) continue;
    if (LONG_OK.has(a)) { if (a === '--null-input') nullInput = true; if (a === '--slurp') slurp = true; continue; }
    if (/^-[A-Za-z]+$/.test(a) && [...a.slice(1)].every((ch) => SHORT_OK.has(ch))) {
      if (a.includes('n')) nullInput = true;
      if (a.includes('s')) slurp = true;
      continue;
    }
    if (a.startsWith('-')) return { excluded: `command-line option ${a.replace(/=.*/, '')}` };
    positional.push(a);
  }
  if (positional.length > 1) return { excluded: 'input files or positional arguments' };
  const filter = positional[0] ?? '.';
  const values = splitJsonValues(c.input ?? '');
  if (nullInput) return { calls: [{ filter, input: 'null' }] };
  if (slurp) return { calls: [{ filter, input: `[${values.join(',')}]` }] };
  if (values.length === 0) return { excluded: 'no input value (Argo always passes one object)' };
  return { calls: values.map((input) => ({ filter, input })) };
}

test('gojq cli/test.yaml: every case Argo can express gives the Go reference\'s output or error text', () => {
  const dir = goModuleDir(`github.com/itchyny/gojq@${requiredVersion('github.com/itchyny/gojq')}`);
  const cases = loadYaml(readFileSync(join(dir, 'cli/test.yaml'), 'utf8')) as Case[];
  const excluded = new Map<string, string[]>();
  const requests: { name: string; filter: string; input: string }[] = [];
  for (const c of cases) {
    const r = callsOf(c);
    if ('excluded' in r) { excluded.set(r.excluded, [...(excluded.get(r.excluded) ?? []), c.name]); continue; }
    for (const call of r.calls) requests.push({ name: c.name, ...call });
  }
  const reference = referenceBatch(referencePrograms().jq, requests.map(({ filter, input }) => ({ filter, input })));
  const { jq } = wasmEngines();
  const failures: string[] = [];
  let errors = 0;
  requests.forEach((req, k) => {
    const ours = asResponse(() => jq.filter(req.input, req.filter));
    if (ours.error !== undefined) errors++;
    try { assert.deepEqual(ours, reference[k]); } catch { failures.push(`${req.name}: ${JSON.stringify(req.filter)} on ${JSON.stringify(req.input)}: ours ${JSON.stringify(ours)}, Go ${JSON.stringify(reference[k])}`); }
  });
  const driven = new Set(requests.map((r) => r.name)).size;
  console.log(`gojq corpus: ${cases.length} cases, ${driven} driven (${requests.length} evaluations, ${errors} of them errors), ${failures.length} differ`);
  for (const [reason, names] of excluded) console.log(`  excluded (${names.length}): ${reason}`);
  assert.deepEqual(failures, []);
  assert.ok(driven >= 600, `only ${driven} of ${cases.length} cases driven`);
});
