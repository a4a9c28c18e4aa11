/**
 * Just enough of Go's lexical structure to read Argo's e2e tests: string literals ("…", `…`, '…'),
 * comments (so commented-out code is never read as code), top-level `func` declarations with their
 * bodies (brace matching that ignores braces inside strings and comments), and package-level
 * `var name = \`…\`` raw strings. No Go toolchain is needed; nothing here evaluates Go.
 */

export interface GoToken {
  kind: 'string' | 'raw' | 'rune' | 'comment' | 'code';
  start: number; // offset of the first character (the quote, for literals)
  end: number; // offset after the last character
  value: string; // the literal's value (raw: verbatim; interpreted: unescaped), or the code text
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", a: '\x07', b: '\b', f: '\f', v: '\v' };

function unescapeGo(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (_m, e: string) => {
    if (e.length > 1 && /^[xuU]/.test(e)) return String.fromCodePoint(parseInt(e.slice(1), 16));
    if (/^[0-7]{3}$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return SIMPLE_ESCAPES[e] ?? e;
  });
}

/** Split Go source into literals, comments and the code between them. */
export function tokenize(src: string): GoToken[] {
  const out: GoToken[] = [];
  let i = 0;
  let codeStart = 0;
  const flushCode = (to: number) => {
    if (to > codeStart) out.push({ kind: 'code', start: codeStart, end: to, value: src.slice(codeStart, to) });
  };
  while (i < src.length) {
    const c = src[i];
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      flushCode(i);
      const nl = src.indexOf('\n', i);
      const end = nl === -1 ? src.length : nl;
      out.push({ kind: 'comment', start: i, end, value: src.slice(i, end) });
      i = codeStart = end;
    } else if (c === '/' && next === '*') {
      flushCode(i);
      const close = src.indexOf('*/', i + 2);
      const end = close === -1 ? src.length : close + 2;
      out.push({ kind: 'comment', start: i, end, value: src.slice(i, end) });
      i = codeStart = end;
    } else if (c === '`') {
      flushCode(i);
      const close = src.indexOf('`', i + 1);
      if (close === -1) throw new Error(`unterminated raw string at offset ${i}`);
      // Go drops carriage returns from raw strings
      out.push({ kind: 'raw', start: i, end: close + 1, value: src.slice(i + 1, close).replace(/\r/g, '') });
      i = codeStart = close + 1;
    } else if (c === '"' || c === "'") {
      flushCode(i);
      let j = i + 1;
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\') j++;
        else if (src[j] === '\n') throw new Error(`newline in ${c === '"' ? 'string' : 'rune'} literal at offset ${i}`);
        j++;
      }
      if (j >= src.length) throw new Error(`unterminated literal at offset ${i}`);
      out.push({ kind: c === '"' ? 'string' : 'rune', start: i, end: j + 1, value: unescapeGo(src.slice(i + 1, j)) });
      i = codeStart = j + 1;
    } else {
      i++;
    }
  }
  flushCode(src.length);
  return out;
}

export interface GoFunc {
  name: string;
  receiver?: string; // the receiver's type, without `*`
  start: number; // offset of `func`
  bodyStart: number; // offset of the opening brace
  end: number; // offset after the closing brace
  tokens: GoToken[]; // the body's tokens (code slices, literals, comments), in order
}

/** The source with every literal and comment blanked out (same offsets; newlines kept). */
export function codeMask(src: string, tokens = tokenize(src)): string {
  const chars = src.split('');
  for (const t of tokens) {
    if (t.kind === 'code') continue;
    for (let i = t.start; i < t.end; i++) if (chars[i] !== '\n') chars[i] = ' ';
  }
  return chars.join('');
}

/** The tokens of src[from, to), code tokens cut at the bounds. */
function slice(tokens: GoToken[], src: string, from: number, to: number): GoToken[] {
  const out: GoToken[] = [];
  for (const t of tokens) {
    if (t.end <= from || t.start >= to) continue;
    if (t.kind === 'code') {
      const s = Math.max(t.start, from);
      const e = Math.min(t.end, to);
      out.push({ kind: 'code', start: s, end: e, value: src.slice(s, e) });
    } else out.push(t);
  }
  return out;
}

/** Top-level function declarations (those whose `func` starts a line). */
export function functions(src: string, tokens = tokenize(src)): GoFunc[] {
  const mask = codeMask(src, tokens);
  const out: GoFunc[] = [];
  const re = /(^|\n)func\s*(\(\s*\w+\s+\*?(\w+)\s*\))?\s*(\w+)\s*\(/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(mask))) {
    const start = m.index + m[1]!.length;
    let p = m.index + m[0].length; // after the `(` of the parameters
    let depth = 1;
    for (; p < mask.length; p++) {
      const ch = mask[p];
      if (ch === '(') depth++;
      else if (ch === ')') depth--;
      else if (ch === '{' && depth === 0) break;
    }
    if (p >= mask.length) continue; // a declaration without a body
    const bodyStart = p;
    let braces = 0;
    let end = -1;
    for (; p < mask.length; p++) {
      if (mask[p] === '{') braces++;
      else if (mask[p] === '}' && --braces === 0) { end = p + 1; break; }
    }
    if (end < 0) throw new Error(`unbalanced braces in func ${m[4]}`);
    out.push({ name: m[4]!, ...(m[3] ? { receiver: m[3] } : {}), start, bodyStart, end, tokens: slice(tokens, src, bodyStart, end) });
    re.lastIndex = end;
  }
  return out;
}

/** Package-level `var name = \`…\`` (and `const`) raw or interpreted string values. */
export function packageStrings(src: string, tokens = tokenize(src), funcs = functions(src, tokens)): Map<string, string> {
  const inFunc = (pos: number) => funcs.some((f) => pos >= f.start && pos < f.end);
  const out = new Map<string, string>();
  for (let t = 1; t < tokens.length; t++) {
    const tok = tokens[t]!;
    const prev = tokens[t - 1]!;
    if ((tok.kind !== 'raw' && tok.kind !== 'string') || prev.kind !== 'code' || inFunc(tok.start)) continue;
    const m = /(?:^|\n)\s*(?:var|const)\s+(\w+)\s*(?:string\s*)?=\s*$/.exec(prev.value);
    if (m?.[1]) out.set(m[1], tok.value);
  }
  return out;
}
