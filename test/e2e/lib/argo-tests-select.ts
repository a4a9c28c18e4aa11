/**
 * Argo's e2e suites as rows for the runner (an integration aid, not yet called by run.ts): each
 * extracted workflow parsed by `argo-parse-manifests` (it takes file paths, so the texts go to temp
 * files), with the expectation of argo-tests.yaml, its skip reason or its unmet needs, and the
 * WorkflowTemplates its test creates first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, SHARED } from './env.ts';
import { parseManifests, type Doc, type Example } from './examples.ts';
import { expectationFor, extractArgoTests, loadExpectations, writeManifests, type ArgoTestWorkflow, type Expectation } from './argo-tests.ts';

export interface ArgoTestRow extends Example {
  test: ArgoTestWorkflow;
  expectation: Expectation;
  needs: string[]; // what the runner must provide; a row with needs it cannot meet is reported as skipped
}

export interface ArgoTestSelection {
  rows: ArgoTestRow[];
  templates: Doc[]; // distinct (Cluster)WorkflowTemplates of the tests, to apply before submitting
}

export function selectArgoTests(dir = join(SHARED, 'argo-v4.1.2/test-e2e'), expectationsFile = join(ROOT, 'test/e2e/argo-tests.yaml')): ArgoTestSelection {
  const all = loadExpectations(expectationsFile);
  const tmp = mkdtempSync(join(tmpdir(), 'argo-tests-'));
  try {
    const { files, templates } = writeManifests(extractArgoTests(dir), tmp);
    const parsed = parseManifests([...files.keys(), ...[...templates.values()].flat()]);
    const rows: ArgoTestRow[] = [];
    const support = new Map<string, Doc>();
    for (const [file, w] of files) {
      const expectation = expectationFor(w, all);
      for (const tf of templates.get(file) ?? []) {
        // one copy per distinct template; two tests defining one name differently both appear (needs: alone)
        for (const d of parsed.get(tf) ?? []) if (d.json) support.set(`${d.kind}/${d.json.metadata?.name}/${JSON.stringify(d.json)}`, d.json);
      }
      const wfs = (parsed.get(file) ?? []).filter((d) => d.kind === 'Workflow');
      if (!wfs.length) {
        rows.push({ file: w.id, index: 0, doc: {}, id: w.id, expect: expectation.phase ?? [], random: false, parseError: 'no Workflow document', test: w, expectation, needs: expectation.needs ?? [] });
        continue;
      }
      wfs.forEach((d, index) => {
        const id = wfs.length > 1 ? `${w.id}@${index}` : w.id;
        const row: ArgoTestRow = {
          file: w.id, index, doc: d.json ?? {}, id, expect: expectation.phase ?? [], random: /random|RANDOM/.test(w.yaml),
          test: w, expectation, needs: expectation.needs ?? [],
        };
        if (expectation.skip) row.skip = expectation.skip;
        // Argo's Given decodes non-strictly: for those rows a strict parse error is a need, not a failure
        if (d.error && !row.needs.some((n) => n.startsWith('decode: '))) row.parseError = d.error;
        rows.push(row);
      });
    }
    return { rows, templates: [...support.values()] };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
