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

const LABEL_KEY_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const NAME_RE = new RegExp(`^${LABEL_KEY_FMT}$`);
const VALUE_RE = new RegExp(`^(${LABEL_KEY_FMT})?$`);
const DNS1123_SUBDOMAIN_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const LABEL_KEY_ERR = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** content.RegexError of k8s.io/apimachinery v0.35 (what argoexec v4.1.2 links). */
function regexError(msg: string, re: string, ...examples: string[]): string {
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${re}')`;
}

/** content.IsLabelKey: every problem, as Go collects them. */
function labelKeyErrors(key: string): string[] {
  const errs: string[] = [];
  const parts = key.split('/');
  let name: string;
  if (parts.length === 1) {
    name = key;
  } else if (parts.length === 2) {
    const [prefix, n] = parts as [string, string];
    name = n;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else {
      if (Buffer.byteLength(prefix) > 253) errs.push('prefix part must be no more than 253 bytes');
      if (!DNS1123_SUBDOMAIN_RE.test(prefix)) errs.push(`prefix part ${regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", DNS1123_SUBDOMAIN_FMT, 'example.com')}`);
    }
  } else {
    return [`a valid label key ${regexError(LABEL_KEY_ERR, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (Buffer.byteLength(name) > 63) errs.push('name part must be no more than 63 bytes');
  if (!NAME_RE.test(name)) errs.push(`name part ${regexError(LABEL_KEY_ERR, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** labels.validateLabelKey: field.Invalid with the problems joined by "; " (field path <nil>). */
function validateKey(key: string): void {
  const errs = labelKeyErrors(key);
  if (errs.length > 0) throw new Error(`<nil>: Invalid value: ${JSON.stringify(key)}: ${errs.join('; ')}`);
}

/** labels.validateLabelValue (content.IsLabelValue). */
function validateValue(key: string, i: number, v: string): void {
  const errs: string[] = [];
  if (Buffer.byteLength(v) > 63) errs.push('must be no more than 63 bytes');
  if (!VALUE_RE.test(v)) errs.push(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", `(${LABEL_KEY_FMT})?`, 'MyValue', 'my_value', '12345'));
  if (errs.length > 0) throw new Error(`values[${i}][${key}]: Invalid value: ${JSON.stringify(v)}: ${errs.join('; ')}`);
}

/** The requirement as Go's `%s` prints a labels.Requirement value: `{key op [sorted values]}`. */
export function requirementGoString(r: Requirement): string {
  const op: Record<Op, string> = { '=': '=', '==': '==', '!=': '!=', in: 'in', notin: 'notin', exists: 'exists', '!': '!', '>': 'gt', '<': 'lt' };
  return `{${r.key} ${op[r.op]} [${r.values.join(' ')}]}`;
}

/** labels.Parse: requirements (values a sorted set, keys validated like label keys) sorted by key; Go's error texts. */
export function parseSelector(s: string): Requirement[] {
  const toks = lex(s);
  let p = 0;
  const peek = (): Tok | undefined => toks[p];
  const lit = (t: Tok | undefined): string => t?.v ?? '';
  const reqs: Requirement[] = [];
  const requirement = (): Requirement => {
    let neg = false;
    if (peek()?.t === 'op' && peek()?.v === '!') { neg = true; p++; }
    const k = toks[p++];
    if (!k || k.t !== 'id') throw new Error(`found '${lit(k)}', expected: identifier`);
    const key = k.v;
    const next = peek();
    let req: Requirement;
    if (neg) {
      req = { key, op: '!', values: [] };
    } else if (!next || next.t === ',') {
      req = { key, op: 'exists', values: [] };
    } else if (next.t === 'op' && next.v !== '!') {
      p++;
      const v = peek();
      let value = '';
      if (v && v.t !== ',') {
        p++;
        if (v.t !== 'id') throw new Error(`found '${v.v}', expected: identifier`);
        value = v.v;
      }
      req = { key, op: next.v as Op, values: [value] };
    } else if (next.t === 'id' && (next.v === 'in' || next.v === 'notin')) {
      p++;
      if (peek()?.t !== '(') throw new Error(`found '${lit(peek())}' expected: '('`);
      p++;
      const values = new Set<string>();
      for (;;) {
        const v = peek();
        if (v?.t === ')') { if (values.size === 0) values.add(''); p++; break; }
        if (v?.t === 'id') { values.add(v.v); p++; } else if (v?.t === ',') values.add('');
        else throw new Error(`found '${lit(v)}', expected: ',', ')' or identifier`);
        const sep = peek();
        if (sep?.t === ',') { p++; if (peek()?.t === ')') values.add(''); continue; }
        if (sep?.t === ')') { p++; break; }
        throw new Error(`found '${lit(sep)}', expected: ',' or ')'`);
      }
      req = { key, op: next.v as Op, values: [...values] };
    } else {
      throw new Error(`found '${next.v}', expected: in, notin, =, ==, !=, gt, lt`);
    }
    validateKey(key);
    req.values = [...new Set(req.values)].sort();
    if (req.op === '>' || req.op === '<') {
      if (!/^[-+]?\d+$/.test(req.values[0] ?? '')) throw new Error(`values[0]: Invalid value: ${JSON.stringify(req.values[0] ?? '')}: for 'Gt', 'Lt' operators, the value must be an integer`);
    } else req.values.forEach((v, i) => validateValue(key, i, v));
    return req;
  };
  for (;;) {
    const t = peek();
    if (!t) break;
    if (!(t.t === 'id' || (t.t === 'op' && t.v === '!'))) throw new Error(`found '${t.v}', expected: !, identifier, or 'end of string'`);
    try { reqs.push(requirement()); } catch (err) { throw new Error(`unable to parse requirement: ${(err as Error).message}`); }
    const sep = peek();
    if (!sep) break;
    if (sep.t !== ',') throw new Error(`found '${sep.v}', expected: ',' or 'end of string'`);
    p++;
    const after = peek();
    if (!after || !(after.t === 'id' || (after.t === 'op' && after.v === '!'))) throw new Error(`found '${lit(after)}', expected: identifier after ','`);
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
