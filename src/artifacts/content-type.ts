/**
 * Go's mime.TypeByExtension as minio-go uses it for Content-Type: Go's builtin table plus /etc/mime.types,
 * fallback application/octet-stream (artifacts spec §5.6).
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';

const BUILTIN: Record<string, string> = {
  '.avif': 'image/avif', '.css': 'text/css; charset=utf-8', '.gif': 'image/gif', '.htm': 'text/html; charset=utf-8',
  '.html': 'text/html; charset=utf-8', '.jpeg': 'image/jpeg', '.jpg': 'image/jpeg', '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.mjs': 'text/javascript; charset=utf-8', '.pdf': 'application/pdf', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.wasm': 'application/wasm', '.webp': 'image/webp', '.xml': 'text/xml; charset=utf-8',
};

let table: Map<string, string> | undefined;

function load(): Map<string, string> {
  const t = new Map<string, string>();
  for (const file of ['/etc/mime.types', '/etc/apache2/mime.types', '/etc/apache/mime.types', '/etc/httpd/conf/mime.types']) {
    let text: string;
    try { text = readFileSync(file, 'utf8'); } catch { continue; }
    for (const line of text.split('\n')) {
      const fields = line.replace(/#.*/, '').trim().split(/\s+/);
      if (fields.length < 2) continue;
      for (const ext of fields.slice(1)) if (!t.has(`.${ext}`)) t.set(`.${ext.toLowerCase()}`, fields[0] as string);
    }
    break;
  }
  for (const [k, v] of Object.entries(BUILTIN)) t.set(k, v);
  return t;
}

export function contentTypeFor(path: string): string {
  table ??= load();
  const ext = extname(path).toLowerCase();
  return (ext && table.get(ext)) || 'application/octet-stream';
}
