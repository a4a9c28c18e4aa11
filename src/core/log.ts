/**
 * Structured logs on stderr in Argo's formats (lifecycle §1.5): Go slog's text handler
 * (`time=… level=INFO msg="…" argo=true k=v`) or its JSON handler. Every entry carries `argo=true`.
 */
import { writeSync } from 'node:fs';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';
export type Fields = Record<string, unknown>;

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const LABEL: Record<LogLevel, string> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

/** Argo's ParseLevel, plus v3.7's `warning` (lifecycle §1.2). */
export function parseLogLevel(s: string): LogLevel {
  switch (s.toLowerCase()) {
    case 'trace': case 'debug': return 'debug';
    case 'info': case 'print': return 'info';
    case 'warn': case 'warning': return 'warn';
    case 'error': case 'fatal': case 'panic': return 'error';
    default: throw new Error(`invalid log level: ${s}`);
  }
}

export function parseLogFormat(s: string): LogFormat {
  switch (s.toLowerCase()) {
    case 'json': return 'json';
    case 'text': case '': return 'text';
    default: throw new Error(`invalid log type: ${s}`);
  }
}

export interface Logger {
  readonly level: LogLevel;
  with(fields: Fields): Logger;
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

export type LogSink = (line: string) => void;

const stderrSink: LogSink = (line) => {
  try { writeSync(2, line); } catch { /* stderr gone: nothing sensible to do */ }
};

/** Go's slog text handler quotes values holding spaces, quotes, `=` or control characters. */
function textValue(v: unknown): string {
  let s: string;
  if (v instanceof Error) s = v.message;
  else if (typeof v === 'string') s = v;
  else if (v === undefined) s = '<nil>';
  else if (typeof v === 'object' && v !== null) s = JSON.stringify(v);
  else s = String(v);
  if (s === '' || /[\s"=\\\u0000-\u001f\u007f]/.test(s)) return JSON.stringify(s);
  return s;
}

function textTime(d: Date): string {
  return d.toISOString(); // 2006-01-02T15:04:05.000Z — slog's text time format in UTC
}

export function createLogger(level: LogLevel, format: LogFormat, sink: LogSink = stderrSink, base: Fields = { argo: true }): Logger {
  const emit = (lvl: LogLevel, msg: string, fields?: Fields): void => {
    if (RANK[lvl] < RANK[level]) return;
    const all = fields ? { ...base, ...fields } : base;
    const now = new Date();
    if (format === 'json') {
      const entry: Record<string, unknown> = { time: now.toISOString(), level: LABEL[lvl], msg };
      for (const [k, v] of Object.entries(all)) entry[k] = v instanceof Error ? v.message : v;
      sink(JSON.stringify(entry) + '\n');
    } else {
      let line = `time=${textTime(now)} level=${LABEL[lvl]} msg=${textValue(msg)}`;
      for (const [k, v] of Object.entries(all)) line += ` ${k}=${textValue(v)}`;
      sink(line + '\n');
    }
  };
  return {
    level,
    with: (fields) => createLogger(level, format, sink, { ...base, ...fields }),
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}
