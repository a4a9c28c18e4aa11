/**
 * Hostile templates, args files and environment values, run through the built executable (dist/argoexec) in
 * sandboxed pods (issue 13, hostile-input part). Each case: the exact exit status and exactly one clear `Error:` line
 * on stderr (no stack trace), with Go's text where Go defines one — verified against v4.1.2's code: encoding/json's
 * UnmarshalTypeError, time.Parse(RFC3339), util/env's panics ("failed to convert to int", "failed to convert to float",
 * "failed to parse"), and values Go ignores (progress ticks, grace period) still starting the role.
 * Already covered elsewhere and not repeated: malformed template JSON and a non-object template
 * (test/emissary/bad-input.test.ts), ARGO_DEADLINE "tomorrow"/"2024-01-01" and a missing ARGO_POD_NAME (test/init).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { emissaryPod, oneLineError, runEmissary } from '../support/emissary.ts';
import { PodSim } from '../support/pod-sim.ts';

const ARGS = '/argo/config/ARGO_CONTAINER_ARGS_FILE';
const MiB = 1 << 20;

interface EmissaryCase {
  label: string;
  template?: string;
  argsFile?: string | null;
  cmd?: string[];
  code: number;
  /** Exact termination message (and `Error: <it>` on stderr), or a prefix when `prefix` is set. */
  message?: string;
  prefix?: boolean;
  stdout?: string;
}

const PRINT_ARGS = ['sh', '-c', 'printf "[%s]" "$@"', 'sh'];

const emissaryCases: EmissaryCase[] = [
  { label: 'template: 10 MiB, valid (a huge unknown member) → runs', template: JSON.stringify({ name: 't', huge: 'x'.repeat(10 * MiB) }), code: 0 },
  { label: 'template: 10 MiB, cut short → one short line', template: `{"name":"t","huge":"${'x'.repeat(10 * MiB)}`, code: 64, message: 'failed to unmarshal template: ', prefix: true },
  { label: 'template: unknown members at every level are ignored', template: JSON.stringify({ zzz: [1, { a: null }], outputs: { yyy: true, parameters: [{ name: 'p', xxx: 1 }] } }), code: 0 },
  { label: 'template: outputs.parameters is a string', template: '{"outputs":{"parameters":"p"}}', code: 64, message: 'failed to unmarshal template: json: cannot unmarshal string into Go struct field Outputs.outputs.parameters of type []v1alpha1.Parameter' },
  { label: 'template: a containerSet member name is a number', template: '{"containerSet":{"containers":[{"name":5}]}}', code: 64, message: 'failed to unmarshal template: json: cannot unmarshal number into Go struct field ContainerNode.containerSet.containers.name of type string' },
  { label: 'template: sidecars is an object', template: '{"sidecars":{"name":"s"}}', code: 64, message: 'failed to unmarshal template: json: cannot unmarshal object into Go struct field Template.sidecars of type []v1alpha1.UserContainer' },
  { label: 'template: artifact mode 1.5', template: '{"outputs":{"artifacts":[{"name":"a","path":"/tmp/a","mode":1.5}]}}', code: 64, message: 'failed to unmarshal template: json: cannot unmarshal number 1.5 into Go struct field Artifact.outputs.artifacts.mode of type int32' },
  { label: 'template: containerSet retries is a bool', template: '{"containerSet":{"containers":[{"name":"main"}],"retryStrategy":{"retries":true}}}', code: 64, message: 'failed to unmarshal template: json: cannot unmarshal bool into Go struct field ContainerSetRetryStrategy.containerSet.retryStrategy.retries of type int32' },
  { label: 'args file: missing', argsFile: null, code: 64, message: `failed to read container args file ${ARGS}: open ${ARGS}: no such file or directory` },
  { label: 'args file: malformed JSON', argsFile: '["a",', code: 64, message: 'failed to unmarshal container args: ', prefix: true },
  { label: 'args file: an object', argsFile: '{"a":"b"}', code: 64, message: 'failed to unmarshal container args: json: cannot unmarshal object into Go value of type []string' },
  { label: 'args file: a number element', argsFile: '["a",1]', code: 64, message: 'failed to unmarshal container args: json: cannot unmarshal number into Go value of type string' },
  { label: 'args file: null elements are empty strings (as Go)', argsFile: '[null,"a"]', cmd: PRINT_ARGS, code: 0, stdout: '[][a]' },
  { label: 'args file: null adds nothing (as Go)', argsFile: 'null', cmd: [...PRINT_ARGS, 'only'], code: 0, stdout: '[only]' },
];

describe('emissary: hostile templates and args files', () => {
  for (const c of emissaryCases) {
    test(c.label, async (t) => {
      const pod = await emissaryPod(c.template ?? {});
      t.after(() => pod.cleanup());
      const env: Record<string, string> = {};
      if (c.argsFile !== undefined) {
        env.ARGO_CONTAINER_ARGS_FILE = ARGS;
        if (c.argsFile !== null) pod.write(ARGS, c.argsFile);
      }
      const r = await runEmissary(pod, c.cmd ?? ['true'], env);
      assert.equal(r.code, c.code, r.stderr.slice(0, 2000));
      if (c.stdout !== undefined) assert.equal(r.stdout, c.stdout);
      if (c.message === undefined) return;
      const line = oneLineError(r.stderr);
      assert.ok(line.length < 512, `a short line, not the input echoed: ${line.length} chars`);
      const msg = pod.terminationMessage();
      if (c.prefix) assert.ok(msg.startsWith(c.message), msg.slice(0, 300));
      else assert.equal(msg, c.message);
      assert.equal(line, `Error: ${msg}`);
    });
  }
});

interface InitCase { label: string; env: Record<string, string>; template?: Record<string, unknown>; code: number; message?: string; termination?: boolean }

const initCases: InitCase[] = [
  { label: 'ARGO_DEADLINE month 13', env: { ARGO_DEADLINE: '2024-13-01T00:00:00Z' }, code: 2, message: 'parsing time "2024-13-01T00:00:00Z": month out of range', termination: true },
  { label: 'ARGO_DEADLINE February 29 of a common year', env: { ARGO_DEADLINE: '2023-02-29T00:00:00Z' }, code: 2, message: 'parsing time "2023-02-29T00:00:00Z": day out of range', termination: true },
  { label: 'ARGO_DEADLINE hour 24', env: { ARGO_DEADLINE: '2024-01-01T24:00:00Z' }, code: 2, message: 'parsing time "2024-01-01T24:00:00Z": hour out of range', termination: true },
  { label: 'ARGO_DEADLINE with trailing text', env: { ARGO_DEADLINE: '2024-01-01T00:00:00Zjunk' }, code: 2, message: 'parsing time "2024-01-01T00:00:00Zjunk": extra text: "junk"', termination: true },
  { label: 'ARGO_DEADLINE with a sign', env: { ARGO_DEADLINE: '+2024-01-01T00:00:00Z' }, code: 2, message: 'parsing time "+2024-01-01T00:00:00Z" as "2006-01-02T15:04:05Z07:00": cannot parse "+2024-01-01T00:00:00Z" as "2006"', termination: true },
  { label: 'EXECUTOR_RETRY_BACKOFF_STEPS not a number', env: { EXECUTOR_RETRY_BACKOFF_STEPS: 'abc' }, code: 2, message: 'failed to convert to int' },
  { label: 'EXECUTOR_RETRY_BACKOFF_STEPS beyond int64', env: { EXECUTOR_RETRY_BACKOFF_STEPS: '99999999999999999999' }, code: 2, message: 'failed to convert to int' },
  { label: 'EXECUTOR_RETRY_BACKOFF_DURATION without unit', env: { EXECUTOR_RETRY_BACKOFF_DURATION: '5' }, code: 2, message: 'failed to parse' },
  { label: 'EXECUTOR_RETRY_BACKOFF_DURATION in days', env: { EXECUTOR_RETRY_BACKOFF_DURATION: '1d' }, code: 2, message: 'failed to parse' },
  { label: 'EXECUTOR_RETRY_BACKOFF_DURATION beyond int64 ns', env: { EXECUTOR_RETRY_BACKOFF_DURATION: '2562048h' }, code: 2, message: 'failed to parse' },
  { label: 'EXECUTOR_RETRY_BACKOFF_FACTOR out of float64 range', env: { EXECUTOR_RETRY_BACKOFF_FACTOR: '1e400' }, code: 2, message: 'failed to convert to float' },
  { label: 'EXECUTOR_RETRY_BACKOFF_JITTER in hex', env: { EXECUTOR_RETRY_BACKOFF_JITTER: '0x10' }, code: 2, message: 'failed to convert to float' },
  { label: 'RESOURCE_STATE_CHECK_INTERVAL nonsense', env: { RESOURCE_STATE_CHECK_INTERVAL: 'fast' }, code: 2, message: 'failed to parse' },
  { label: 'template member of the wrong type (CheckErr)', env: {}, template: { inputs: { artifacts: 'a' } }, code: 2, message: 'json: cannot unmarshal string into Go struct field Inputs.inputs.artifacts of type []v1alpha1.Artifact', termination: true },
  { label: 'ARGO_TEMPLATE=offloaded without the ConfigMap file', env: { ARGO_TEMPLATE: 'offloaded' }, code: 2, message: 'open /argo/config/ARGO_TEMPLATE: no such file or directory', termination: true },
  {
    label: 'values Go ignores: progress ticks "nonsense"/-5s, grace period -3, huge ticks → init runs',
    env: { ARGO_PROGRESS_PATCH_TICK_DURATION: 'nonsense', ARGO_PROGRESS_FILE_TICK_DURATION: '-5s', ARGO_TERMINATION_GRACE_PERIOD_SECONDS: '-3', EXECUTOR_RETRY_BACKOFF_STEPS: '-7', EXECUTOR_RETRY_BACKOFF_DURATION: '2562047h', EXECUTOR_RETRY_BACKOFF_FACTOR: 'Inf', EXECUTOR_RETRY_BACKOFF_JITTER: 'NaN' },
    code: 0,
  },
];

describe('init: environment values out of range', () => {
  for (const c of initCases) {
    test(c.label, async (t) => {
      const pod = new PodSim({ template: c.template ?? { container: { image: 'x' } } });
      t.after(() => pod.cleanup());
      const r = await pod.runInit(c.env);
      assert.equal(r.code, c.code, r.stderr.slice(0, 2000));
      if (c.message === undefined) return;
      assert.equal(oneLineError(r.stderr), `Error: ${c.message}`);
      if (c.termination) assert.equal(pod.terminationMessage('init'), c.message);
    });
  }
});
