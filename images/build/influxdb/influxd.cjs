#!/usr/local/bin/node
// argoexec-ts e2e stand-in for InfluxDB 1.x (`influxdb:1.2` in Argo's daemon examples): the HTTP API those
// examples call, on port 8086 — GET /ping; POST /query `CREATE DATABASE <db>`; POST /write?db=<db> with line
// protocol (fields: floats, integers `…i`, strings "…", booleans); GET|POST /query?db=<db>&q=SELECT * FROM <m>
// (`pretty=true`: indented as influxd's json.MarshalIndent). Points live in memory. Same image for both executors.
// It listens on every address of the pod's own network namespace (INFLUXD_BIND_ADDRESS=127.0.0.1 for a test on the host).
'use strict';
const http = require('node:http');

const dbs = new Map(); // db → measurement → [{ time (ns bigint), tags, fields }]

function send(res, status, body) {
  res.setHeader('X-Influxdb-Version', '1.2.4-argoexec-ts-stand-in');
  if (body === undefined) { res.writeHead(status); res.end(); return; }
  res.setHeader('Content-Type', 'application/json');
  res.writeHead(status);
  res.end(body);
}
const json = (v, pretty) => (pretty ? JSON.stringify(v, null, 4) : JSON.stringify(v)) + '\n';

function unescape(s) { return s.replace(/\\([ ,=])/g, '$1'); }
/** Split on `sep` outside double quotes and not after a backslash. */
function split(s, sep) {
  const out = []; let cur = ''; let q = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length) { cur += c + s[i + 1]; i++; continue; }
    if (c === '"') q = !q;
    if (c === sep && !q) { out.push(cur); cur = ''; continue; }
    cur += c;
  }
  out.push(cur);
  return out;
}
function fieldValue(v) {
  if (v.startsWith('"')) return v.slice(1, -1).replace(/\\"/g, '"');
  if (/^[tT](rue)?$|^TRUE$/.test(v)) return true;
  if (/^[fF](alse)?$|^FALSE$/.test(v)) return false;
  if (/^-?\d+i$/.test(v)) return Number(v.slice(0, -1));
  const n = Number(v);
  if (Number.isNaN(n)) throw new Error(`unable to parse '${v}': invalid number`);
  return n;
}
function parseLine(line) {
  const parts = split(line.trim(), ' ').filter((p) => p !== '');
  if (parts.length < 2) throw new Error(`unable to parse '${line}': missing fields`);
  const [key, fieldsText, ts] = parts;
  const [measurement, ...tagPairs] = split(key, ',');
  const tags = {};
  for (const t of tagPairs) { const [k, v] = split(t, '='); tags[unescape(k)] = unescape(v ?? ''); }
  const fields = {};
  for (const f of split(fieldsText, ',')) { const [k, v] = split(f, '='); fields[unescape(k)] = fieldValue(v ?? ''); }
  const time = ts ? BigInt(ts) : BigInt(Date.now()) * 1000000n;
  return { measurement: unescape(measurement), point: { time, tags, fields } };
}
function rfc3339(ns) {
  const ms = Number(ns / 1000000n);
  const frac = (ns % 1000000000n).toString().padStart(9, '0').replace(/0+$/, '');
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, frac ? `.${frac}Z` : 'Z');
}
function select(db, q) {
  const m = /^\s*SELECT\s+\*\s+FROM\s+"?([^"\s;]+)"?\s*;?\s*$/i.exec(q);
  if (!m) return { statement_id: 0, error: `stand-in influxd: unsupported query: ${q}` };
  const points = dbs.get(db)?.get(m[1]) ?? [];
  if (points.length === 0) return { statement_id: 0 };
  const keys = new Set();
  for (const p of points) for (const k of [...Object.keys(p.tags), ...Object.keys(p.fields)]) keys.add(k);
  const columns = ['time', ...[...keys].sort()];
  const values = [...points].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0))
    .map((p) => columns.map((c) => (c === 'time' ? rfc3339(p.time) : c in p.fields ? p.fields[c] : c in p.tags ? p.tags[c] : null)));
  return { statement_id: 0, series: [{ name: m[1], columns, values }] };
}

http.createServer((req, res) => {
  const url = new URL(req.url, 'http://influxd');
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    const params = new URLSearchParams(url.search);
    if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
    const pretty = params.get('pretty') === 'true';
    if (url.pathname === '/ping') return send(res, 204);
    if (url.pathname === '/write') {
      const db = params.get('db');
      if (!db) return send(res, 400, json({ error: 'database is required' }));
      const tables = dbs.get(db);
      if (!tables) return send(res, 404, json({ error: `database not found: "${db}"` }));
      try {
        for (const line of body.split('\n')) {
          if (line.trim() === '') continue;
          const { measurement, point } = parseLine(line);
          if (!tables.has(measurement)) tables.set(measurement, []);
          tables.get(measurement).push(point);
        }
      } catch (err) {
        return send(res, 400, json({ error: err.message }));
      }
      return send(res, 204);
    }
    if (url.pathname === '/query') {
      const q = params.get('q') ?? '';
      const create = /^\s*CREATE\s+DATABASE\s+"?([^"\s;]+)"?\s*;?\s*$/i.exec(q);
      if (create) {
        if (!dbs.has(create[1])) dbs.set(create[1], new Map());
        return send(res, 200, json({ results: [{ statement_id: 0 }] }, pretty));
      }
      return send(res, 200, json({ results: [select(params.get('db') ?? '', q)] }, pretty));
    }
    send(res, 404, '404 page not found\n');
  });
}).listen(8086, process.env.INFLUXD_BIND_ADDRESS || undefined, () => console.log('[argoexec-ts stand-in] influxd listening on :8086'));
process.on('SIGTERM', () => process.exit(0));
