/**
 * Success/failure conditions of resource templates (lifecycle §10.2 step 7): Kubernetes label-selector
 * syntax (apimachinery labels.Parse: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`,
 * `k>n`, `k<n`, comma = AND; requirements sorted by key) whose keys are gjson paths evaluated against
 * the object's JSON (Go's gjsonLabels: Has = path exists, Get = gjson String()).
 */

export type Op = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | '>' | '<';

export interface Requirement {
  key: string;
  op: Op;
  values: string[];
}

const VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** labels.Requirement.String(). */
export function requirementString(r: Requirement): string {
  if (r.op === '!') return `!${r.key}`;
  if (r.op === 'exists') return r.key;
  const vals = r.values.length === 1 ? r.values[0] : [...r.values].sort().join(',');
  switch (r.op) {
    case 'in': return `${r.key} in (${vals})`;
    case 'notin': return `${r.key} notin (${vals})`;
    default: return `${r.key}${r.op}${vals}`;
  }
}

type Tok = { t: 'id' | 'op' | '(' | ')' | ','; v: string };

function lex(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '(' || c === ')' || c === ',') { out.push({ t: c, v: c }); i++; continue; }
    const two = s.slice(i, i + 2);
    if (two === '==' || two === '!=') { out.push({ t: 'op', v: two }); i += 2; continue; }
    if (c === '=' || c === '!' || c === '>' || c === '<') { out.push({ t: 'op', v: c }); i++; continue; }
    let j = i;
    while (j < s.length && !/[\s(),=!<>]/.test(s[j] as string)) j++;
    out.push({ t: 'id', v: s.slice(i, j) });
    i = j;
  }
  return out;
}

/** labels.Parse (values validated like label values; keys are gjson paths, only non-empty is required). */
export function parseSelector(s: string): Requirement[] {
  const toks = lex(s);
  let p = 0;
  const peek = (): Tok | undefined => toks[p];
  const fail = (msg: string): never => { throw new Error(msg); };
  const reqs: Requirement[] = [];
  const checkValue = (v: string): string => {
    if (v.length > 63 || !VALUE_RE.test(v)) fail(`values[0][${v}]: Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
    return v;
  };
  while (p < toks.length) {
    let neg = false;
    if (peek()?.t === 'op' && peek()?.v === '!') { neg = true; p++; }
    const k = toks[p++];
    if (!k || k.t !== 'id') fail(`found '${k?.v ?? ''}', expected: identifier`);
    const key = (k as Tok).v;
    const next = peek();
    if (neg) {
      reqs.push({ key, op: '!', values: [] });
    } else if (!next || next.t === ',') {
      reqs.push({ key, op: 'exists', values: [] });
    } else if (next.t === 'op' && next.v !== '!') {
      p++;
      const v = peek();
      let value = '';
      if (v && v.t === 'id') { value = v.v; p++; }
      const op = next.v as Op;
      if (op === '>' || op === '<') {
        if (!/^[-+]?\d+$/.test(value)) fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
      } else checkValue(value);
      reqs.push({ key, op, values: [value] });
    } else if (next.t === 'id' && (next.v === 'in' || next.v === 'notin')) {
      p++;
      if (peek()?.t !== '(') fail(`found '${peek()?.v ?? ''}', expected: '('`);
      p++;
      const values: string[] = [];
      for (;;) {
        const v = peek();
        if (v?.t === ')') { if (values.length === 0) values.push(''); p++; break; }
        if (v?.t === 'id') { values.push(checkValue(v.v)); p++; }
        else if (v?.t === ',') { values.push(''); }
        else fail(`found '${v?.v ?? ''}', expected: ',' or ')'`);
        const sep = peek();
        if (sep?.t === ',') { p++; continue; }
        if (sep?.t === ')') { p++; break; }
        fail(`found '${sep?.v ?? ''}', expected: ',' or ')'`);
      }
      reqs.push({ key, op: next.v as Op, values });
    } else {
      fail(`found '${next.v}', expected: in, notin, =, ==, !=, gt, lt`);
    }
    if (p < toks.length) {
      if (peek()?.t !== ',') fail(`found '${peek()?.v ?? ''}', expected: ','`);
      p++;
      if (p >= toks.length) fail(`found '', expected: !, identifier, or 'end of string'`);
    }
  }
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** gjson path components: `.`-separated, `\` escapes; `#` = array length; digits index arrays. */
function splitPath(path: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i] as string;
    if (c === '\\' && i + 1 < path.length) { cur += path[++i]; continue; }
    if (c === '.') { parts.push(cur); cur = ''; continue; }
    cur += c;
  }
  parts.push(cur);
  return parts;
}

function globMatch(pattern: string, s: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
  return re.test(s);
}

/** gjson Get: the value at `path`, or undefined when the path does not exist. */
export function gjsonGet(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const part of splitPath(path)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (Array.isArray(cur)) {
      if (part === '#') { cur = cur.length; continue; }
      if (!/^\d+$/.test(part)) return undefined;
      cur = cur[Number(part)];
      if (cur === undefined) return undefined;
      continue;
    }
    const obj = cur as Record<string, unknown>;
    if (/[*?]/.test(part)) {
      const k = Object.keys(obj).find((key) => globMatch(part, key));
      if (k === undefined) return undefined;
      cur = obj[k];
      continue;
    }
    if (!Object.hasOwn(obj, part)) return undefined;
    cur = obj[part];
  }
  return cur;
}

/** gjson Result.String(). */
export function gjsonString(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** labels.Requirement.Matches over gjsonLabels. */
export function matches(r: Requirement, obj: unknown): boolean {
  const v = gjsonGet(obj, r.key);
  const has = v !== undefined;
  const s = gjsonString(v);
  switch (r.op) {
    case '=': case '==': case 'in': return has && r.values.includes(s);
    case '!=': case 'notin': return !has || !r.values.includes(s);
    case 'exists': return has;
    case '!': return !has;
    case '>': case '<': {
      if (!has || !/^[-+]?\d+$/.test(s)) return false;
      const a = BigInt(s);
      const b = BigInt(r.values[0] as string);
      return r.op === '>' ? a > b : a < b;
    }
  }
}
