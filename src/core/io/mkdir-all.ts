/**
 * Go's os.MkdirAll: create a directory and its missing parents; an error names the component that failed, as a
 * *PathError (`mkdir /tmp/argo: read-only file system`). Node's recursive mkdirSync reports the leaf's ENOENT
 * instead when a parent cannot be created (a read-only /tmp read as "no such file or directory").
 */
import { lstatSync, mkdirSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { errnoCode, pathError } from '../errors.ts';

function fail(op: string, path: string, err: unknown): Error {
  return Object.assign(new Error(pathError(op, path, err)), { code: errnoCode(err) });
}

export function mkdirAll(path: string, mode: number): void {
  let st: Stats | undefined;
  try { st = statSync(path); } catch { /* missing (or unreadable): create it, as Go */ }
  if (st?.isDirectory()) return;
  if (st) throw fail('mkdir', path, Object.assign(new Error('not a directory'), { code: 'ENOTDIR' }));
  const parent = dirname(path);
  if (parent !== path) mkdirAll(parent, mode);
  try {
    mkdirSync(path, mode);
  } catch (err) {
    try { if (lstatSync(path).isDirectory()) return; } catch { /* report mkdir's error */ }
    throw fail('mkdir', path, err);
  }
}
