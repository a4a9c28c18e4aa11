/** Large-args offload (lifecycle §6.2): append args from ARGO_CONTAINER_ARGS_FILE, spill huge ones to /tmp. */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathError } from '../../core/errors.ts';
import { MAX_ENV_VAR_LEN } from '../../core/paths.ts';
import type { Logger } from '../../core/log.ts';

export function applyArgsFile(args: string[], argsFile: string, log: Logger, spillDir = '/tmp'): string[] {
  log.info('Reading container args from file', { argsFile });
  let data: string;
  try {
    data = readFileSync(argsFile, 'utf8');
  } catch (err) {
    throw new Error(`failed to read container args file ${argsFile}: ${pathError('open', argsFile, err)}`);
  }
  let extra: unknown;
  try {
    extra = JSON.parse(data);
  } catch (err) {
    throw new Error(`failed to unmarshal container args: ${(err as Error).message}`);
  }
  // json.Unmarshal into []string: null is no args, a null element is "", anything else is a type error.
  if (extra !== null && !Array.isArray(extra)) {
    throw new Error(`failed to unmarshal container args: json: cannot unmarshal ${jsonKind(extra)} into Go value of type []string`);
  }
  const bad = (extra ?? []).find((a: unknown) => a !== null && typeof a !== 'string');
  if (bad !== undefined) throw new Error(`failed to unmarshal container args: json: cannot unmarshal ${jsonKind(bad)} into Go value of type string`);
  const extraArgs = ((extra ?? []) as (string | null)[]).map((a) => a ?? '');
  const all = [...args, ...extraArgs];
  log.info('Loaded container args from file', { count: extraArgs.length });
  return all.map((arg, i) => {
    if (Buffer.byteLength(arg) <= MAX_ENV_VAR_LEN) return arg;
    const file = `${spillDir}/argo_arg_${i}.txt`;
    try {
      writeFileSync(file, arg, { mode: 0o644 });
    } catch (err) {
      throw new Error(`failed to write large arg ${i} to file: ${pathError('open', file, err)}`);
    }
    log.info('Offloaded large argument to file. Downstream program must support @filename syntax', { argIndex: i, size: Buffer.byteLength(arg), filePath: file });
    return `@${file}`;
  });
}

/** encoding/json's name for a JSON value's kind in UnmarshalTypeError. */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}
