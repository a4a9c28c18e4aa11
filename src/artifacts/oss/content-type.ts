/**
 * The Content-Type the OSS Go SDK sends (oss/mime.go TypeByExtension, bucket.go AddContentType): the first of the
 * names given whose extension Go's mime.TypeByExtension knows — the builtin table, then the system database
 * (freedesktop globs2 if present, else the mime.types files) — with the charset dropped from text/* types; else a few
 * entries of the SDK's own table; else application/octet-stream.
 */
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';

/** Go 1.26 mime builtinTypesLower. */
const GO_BUILTIN: Record<string, string> = {
  '.avif': 'image/avif', '.css': 'text/css; charset=utf-8', '.gif': 'image/gif', '.htm': 'text/html; charset=utf-8',
  '.html': 'text/html; charset=utf-8', '.jpeg': 'image/jpeg', '.jpg': 'image/jpeg', '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.mjs': 'text/javascript; charset=utf-8', '.pdf': 'application/pdf', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.wasm': 'application/wasm', '.webp': 'image/webp', '.xml': 'text/xml; charset=utf-8',
};

/** Entries of the SDK's fallback table for extensions artifacts commonly have. */
const SDK_FALLBACK: Record<string, string> = {
  '.tgz': 'application/x-compressed', '.gz': 'application/x-gzip', '.tar': 'application/x-tar', '.zip': 'application/zip',
  '.bz2': 'application/x-bzip2', '.txt': 'text/plain', '.log': 'text/plain', '.json': 'application/json',
  '.xml': 'application/xml', '.html': 'text/html', '.sh': 'application/x-sh', '.pdf': 'application/pdf',
  '.png': 'image/png', '.jpg': 'image/jpeg',
};

let table: Map<string, string> | undefined;

function withCharset(typ: string): string {
  return typ.startsWith('text/') && !typ.includes('charset=') ? `${typ}; charset=utf-8` : typ;
}

/** Go's initMime: builtins, then globs2 (first, highest-weight entry wins, builtins kept) or else mime.types. */
function load(): Map<string, string> {
  const t = new Map<string, string>(Object.entries(GO_BUILTIN));
  for (const file of ['/usr/local/share/mime/globs2', '/usr/share/mime/globs2']) {
    let text: string;
    try { text = readFileSync(file, 'utf8'); } catch { continue; }
    for (const line of text.split('\n')) {
      const f = line.split(':');
      if (f.length < 3 || (f[0] ?? '') === '' || (f[2] ?? '').length < 3) continue;
      if ((f[0] ?? '').startsWith('#') || !(f[2] ?? '').startsWith('*.')) continue;
      const ext = (f[2] ?? '').slice(1);
      if (/[?*[]/.test(ext) || t.has(ext)) continue;
      t.set(ext, withCharset(f[1] ?? ''));
    }
    return t;
  }
  for (const file of ['/etc/mime.types', '/etc/apache2/mime.types', '/etc/apache/mime.types', '/etc/httpd/conf/mime.types']) {
    let text: string;
    try { text = readFileSync(file, 'utf8'); } catch { continue; }
    for (const line of text.split('\n')) {
      const fields = line.split(/\s+/).filter(Boolean);
      if (fields.length <= 1 || (fields[0] ?? '').startsWith('#')) continue;
      for (const ext of fields.slice(1)) {
        if (ext.startsWith('#')) break;
        t.set(`.${ext}`, withCharset(fields[0] ?? ''));
      }
    }
  }
  return t;
}

/** oss TypeByExtension of one name ('' when unknown). */
export function typeByExtension(name: string): string {
  table ??= load();
  const ext = posix.extname(name);
  if (ext === '') return '';
  const typ = table.get(ext) ?? table.get(ext.toLowerCase());
  if (typ) return typ.startsWith('text/') ? typ.split(';').filter((p) => !p.trim().includes('charset=')).join(';').trim() : typ;
  return SDK_FALLBACK[ext.toLowerCase()] ?? '';
}

/** AddContentType(options, names…). */
export function ossContentType(...names: string[]): string {
  for (const n of names) {
    const t = typeByExtension(n);
    if (t !== '') return t;
  }
  return 'application/octet-stream';
}
