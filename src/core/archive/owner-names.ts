/**
 * uid/gid → user/group names from the local /etc/passwd and /etc/group, as Go's archive/tar does when
 * it fills Uname/Gname (pure-Go os/user). Cached per process.
 */
import { readFileSync } from 'node:fs';

function loadTable(path: string): Map<number, string> {
  const table = new Map<number, string>();
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch { return table; }
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(':');
    const id = Number.parseInt(fields[2] ?? '', 10);
    if (fields[0] && Number.isInteger(id) && !table.has(id)) table.set(id, fields[0]);
  }
  return table;
}

let users: Map<number, string> | undefined;
let groups: Map<number, string> | undefined;

export function userName(uid: number): string {
  users ??= loadTable('/etc/passwd');
  return users.get(uid) ?? '';
}

export function groupName(gid: number): string {
  groups ??= loadTable('/etc/group');
  return groups.get(gid) ?? '';
}
