/**
 * A small, safe evaluator for the expr-lang (github.com/expr-lang/expr) programs of data-template
 * transformations (lifecycle §10.3): a tokenizer, a precedence-climbing parser and a tree walker — no
 * eval/Function. Supported: literals (numbers, 'strings', "strings", true/false/nil, [arrays], {maps}),
 * the env variable `data`, `#` in predicates (`#index` in map, `#acc` in reduce), member and index access (`a.b`, `a?.b`, `a[i]`,
 * `a[i:j]`), unary `not`/`!`/`-`, `+ - * / % **`, comparisons, `and`/`or`/`&&`/`||`, `in`, `contains`,
 * `startsWith`, `endsWith`, `matches` (and their `not …` forms), `..` ranges, `??`, `? :`, pipes `|`,
 * and the builtins listed in FUNCS (filter, map, all, any, none, one, count, find, findIndex, len,
 * upper, lower, trim, split, join, replace, …). Anything else is an error naming the unsupported part.
 */

type Base =
  | { k: 'lit'; v: unknown }
  | { k: 'id'; name: string }
  | { k: 'ptr'; name: string }
  | { k: 'arr'; items: Node[] }
  | { k: 'map'; entries: [Node, Node][] }
  | { k: 'member'; obj: Node; prop: Node; opt: boolean }
  | { k: 'slice'; obj: Node; from?: Node; to?: Node }
  | { k: 'unary'; op: string; x: Node }
  | { k: 'bin'; op: string; text: string; a: Node; b: Node }
  | { k: 'cond'; c: Node; a: Node; b: Node }
  | { k: 'call'; name: string; args: Node[]; closure?: Node; closurePos?: number };
type Node = Base & { pos?: number };

/** An expr-lang error; `pos` (0-based offset) is rendered like expr's file.Error: `msg (line:col)` + source excerpt. */
export class ExprError extends Error {
  pos: number | undefined;
  readonly predicate: boolean;
  constructor(message: string, pos?: number, predicate = false) {
    super(message);
    this.pos = pos;
    this.predicate = predicate;
  }
}

type Tok = { t: 'num' | 'str' | 'id' | 'op' | 'ptr' | 'eof'; v: string; pos: number; num?: number };

const OPS = ['**', '==', '!=', '<=', '>=', '&&', '||', '??', '?.', '..', '+', '-', '*', '/', '%', '^', '<', '>', '!', '(', ')', '[', ']', '{', '}', ',', ':', '.', '?', '|'];

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '/' && src[i + 1] === '/') { while (i < src.length && src[i] !== '\n') i++; continue; }
    if (c === '#') {
      const m = /^#[A-Za-z_]*/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ t: 'ptr', v: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      for (; j < src.length && src[j] !== c; j++) {
        if (src[j] === '\\') {
          const e = src[++j] as string;
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", '0': '\0' };
          if (e === 'u') { s += String.fromCharCode(Number.parseInt(src.slice(j + 1, j + 5), 16)); j += 4; } else s += map[e] ?? e;
        } else s += src[j];
      }
      if (j >= src.length) throw new ExprError('literal not terminated', src.length);
      out.push({ t: 'str', v: s, pos: i });
      i = j + 1;
      continue;
    }
    if (c === '`') {
      const j = src.indexOf('`', i + 1);
      if (j < 0) throw new ExprError('literal not terminated', src.length);
      out.push({ t: 'str', v: src.slice(i + 1, j), pos: i });
      i = j + 1;
      continue;
    }
    const num = /^(0[xX][0-9a-fA-F_]+|\d[\d_]*(\.\d[\d_]*)?([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?)/.exec(src.slice(i));
    if (num && !(num[0].endsWith('.'))) {
      const text = num[0].replace(/_/g, '');
      // `1..3` is a range, not the float `1.` followed by `.3`
      let n = num[0];
      if (src.slice(i + n.length - 1, i + n.length + 1) === '..') n = n.slice(0, -1);
      out.push({ t: 'num', v: n, pos: i, num: Number(n === num[0] ? text : n.replace(/_/g, '')) });
      i += n.length;
      continue;
    }
    const id = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i));
    if (id) { out.push({ t: 'id', v: id[0], pos: i }); i += id[0].length; continue; }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExprError(`unrecognized character: U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')} '${c}'`, i);
    out.push({ t: 'op', v: op, pos: i });
    i += op.length;
  }
  out.push({ t: 'eof', v: '', pos: out.length > 0 ? (out[out.length - 1] as Tok).pos : 0 });
  return out;
}

/** expr-lang's binary operator precedence. */
const PREC: Record<string, number> = {
  or: 10, '||': 10, and: 15, '&&': 15,
  '==': 20, '!=': 20, '<': 20, '>': 20, '<=': 20, '>=': 20, in: 20, matches: 20, contains: 20, startsWith: 20, endsWith: 20,
  '..': 25, '+': 30, '-': 30, '*': 60, '/': 60, '%': 60, '**': 100, '^': 100, '??': 500,
};
const WORD_OPS = new Set(['or', 'and', 'in', 'matches', 'contains', 'startsWith', 'endsWith']);
const PREDICATES = new Set(['reduce', 'filter', 'map', 'all', 'any', 'none', 'one', 'count', 'find', 'findIndex', 'findLast', 'findLastIndex', 'sum', 'groupBy', 'sortBy']);

function parse(src: string): Node {
  const toks = lex(src);
  let p = 0;
  const peek = (): Tok => toks[p] as Tok;
  const isOp = (v: string): boolean => peek().t === 'op' && peek().v === v;
  /** Set while parsing the call on the right of `|` (its first argument is the piped value). */
  let piped = false;
  const expect = (v: string): void => {
    if (!isOp(v)) throw new ExprError(`unexpected token ${peek().t === 'eof' ? 'EOF' : JSON.stringify(peek().v)}, expected ${JSON.stringify(v)}`, (peek()).pos);
    p++;
  };

  const expression = (): Node => {
    let n = ternary();
    while (isOp('|')) {
      p++;
      piped = true;
      const call = postfix(primary());
      piped = false;
      if (call.k !== 'call') throw new ExprError(`expected a function call after '|'`, (peek()).pos);
      n = { ...call, args: [n, ...call.args] };
    }
    return n;
  };
  const ternary = (): Node => {
    const c = binary(0);
    if (isOp('?')) {
      p++;
      const a = ternary();
      expect(':');
      return { k: 'cond', c, a, b: ternary(), pos: c.pos };
    }
    return c;
  };
  const binOp = (): { op: string; neg: boolean; len: number } | undefined => {
    const t = peek();
    if (t.t === 'op' && PREC[t.v] !== undefined) return { op: t.v, neg: false, len: 1 };
    if (t.t === 'id' && WORD_OPS.has(t.v)) return { op: t.v, neg: false, len: 1 };
    if (t.t === 'id' && t.v === 'not') {
      const n = toks[p + 1] as Tok;
      if (n.t === 'id' && ['in', 'matches', 'contains', 'startsWith', 'endsWith'].includes(n.v)) return { op: n.v, neg: true, len: 2 };
    }
    return undefined;
  };
  const binary = (min: number): Node => {
    let a = unary();
    for (;;) {
      const o = binOp();
      if (!o) return a;
      const key = o.op === 'or' ? 'or' : o.op === 'and' ? 'and' : o.op;
      const prec = PREC[key] as number;
      if (prec < min) return a;
      const opTok = peek();
      p += o.len;
      const right = o.op === '**' || o.op === '^' ? binary(prec) : binary(prec + 1);
      const op = o.op === 'or' ? '||' : o.op === 'and' ? '&&' : o.op === '^' ? '**' : o.op;
      a = { k: 'bin', op, text: o.op, a, b: right, pos: opTok.pos };
      if (o.neg) a = { k: 'unary', op: '!', x: a };
    }
  };
  const unary = (): Node => {
    const t = peek();
    if ((t.t === 'op' && (t.v === '!' || t.v === '-' || t.v === '+')) || (t.t === 'id' && t.v === 'not')) {
      p++;
      const x = binary(90);
      return { k: 'unary', op: t.v === 'not' ? '!' : t.v, x, pos: t.pos };
    }
    return postfix(primary());
  };
  const args = (name: string): { args: Node[]; closure?: Node; closurePos?: number } => {
    expect('(');
    const predicateAt = piped ? 0 : 1;
    piped = false;
    const list: Node[] = [];
    let closure: Node | undefined;
    let closurePos: number | undefined;
    while (!isOp(')')) {
      if (PREDICATES.has(name) && list.length === predicateAt && closure === undefined) {
        closurePos = peek().pos;
        if (isOp('{')) { p++; closure = expression(); expect('}'); } else closure = expression();
      } else list.push(expression());
      if (isOp(',')) { p++; continue; }
      if (!isOp(')')) throw new ExprError(`unexpected token ${JSON.stringify(peek().v)}`, (peek()).pos);
    }
    p++;
    return { args: list, closure, closurePos };
  };
  const primary = (): Node => {
    const start = peek().pos;
    const n = primaryNode();
    return n.pos === undefined ? { ...n, pos: start } : n;
  };
  const primaryNode = (): Node => {
    const t = peek();
    p++;
    switch (t.t) {
      case 'num': return { k: 'lit', v: t.num };
      case 'str': return { k: 'lit', v: t.v };
      case 'ptr': return { k: 'ptr', name: t.v };
      case 'id':
        if (t.v === 'true' || t.v === 'false') return { k: 'lit', v: t.v === 'true' };
        if (t.v === 'nil') return { k: 'lit', v: null };
        if (isOp('(')) {
          if (!FUNCS[t.v]) throw new ExprError(`unknown name ${t.v}`, (t).pos);
          return { k: 'call', name: t.v, ...args(t.v), pos: t.pos };
        }
        return { k: 'id', name: t.v, pos: t.pos };
      case 'op':
        if (t.v === '(') { const e = expression(); expect(')'); return e; }
        if (t.v === '[') {
          const items: Node[] = [];
          while (!isOp(']')) { items.push(expression()); if (isOp(',')) p++; else break; }
          expect(']');
          return { k: 'arr', items };
        }
        if (t.v === '{') {
          const entries: [Node, Node][] = [];
          while (!isOp('}')) {
            const kt = peek();
            p++;
            let key: Node;
            if (kt.t === 'id' || kt.t === 'str') key = { k: 'lit', v: kt.v };
            else if (kt.t === 'num') key = { k: 'lit', v: kt.num };
            else if (kt.t === 'op' && kt.v === '(') { key = expression(); expect(')'); }
            else throw new ExprError(`a map key must be a quoted string, a number, an identifier, or an expression enclosed in parentheses`, (kt).pos);
            expect(':');
            entries.push([key, expression()]);
            if (isOp(',')) p++; else break;
          }
          expect('}');
          return { k: 'map', entries };
        }
        break;
      default: break;
    }
    throw new ExprError(`unexpected token ${t.t === 'eof' ? 'EOF' : JSON.stringify(t.v)}`, (t).pos);
  };
  const postfix = (base: Node): Node => {
    let n = base;
    for (;;) {
      if (isOp('.') || isOp('?.')) {
        const opt = peek().v === '?.';
        p++;
        const t = peek();
        if (t.t !== 'id') throw new ExprError(`expected name`, (t).pos);
        p++;
        if (isOp('(')) throw new ExprError(`method calls (${t.v}()) are not supported by argoexec-ts's expr subset`, (t).pos);
        n = { k: 'member', obj: n, prop: { k: 'lit', v: t.v }, opt, pos: t.pos };
      } else if (isOp('[')) {
        const open = peek().pos;
        p++;
        if (isOp(':')) { p++; const to = isOp(']') ? undefined : expression(); expect(']'); n = { k: 'slice', obj: n, to, pos: open }; continue; }
        const idx = expression();
        if (isOp(':')) { p++; const to = isOp(']') ? undefined : expression(); expect(']'); n = { k: 'slice', obj: n, from: idx, to, pos: open }; continue; }
        expect(']');
        n = { k: 'member', obj: n, prop: idx, opt: false, pos: open };
      } else return n;
    }
  };
  const node = expression();
  if (peek().t !== 'eof') throw new ExprError(`unexpected token ${JSON.stringify(peek().v)}`, (peek()).pos);
  return node;
}

interface Scope { env: Record<string, unknown>; ptr?: unknown; index?: number; indexOk?: boolean; acc?: unknown }

const kind = (v: unknown): string => (v === null || v === undefined ? 'nil' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'map' : typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float64') : typeof v);

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) return JSON.stringify(a) === JSON.stringify(b);
  return false;
}

/** A builtin's argument of the wrong type; the call site points the error at that argument. */
class ArgError extends ExprError {
  readonly value: unknown;
  constructor(message: string, value: unknown) {
    super(message);
    this.value = value;
  }
}
const arr = (v: unknown, fn: string): unknown[] => {
  if (Array.isArray(v)) return v;
  if (v && typeof v === 'object') return Object.values(v);
  throw new ArgError(`cannot use ${kind(v)} as argument (type []interface {}) to call ${fn} `, v);
};
const str = (v: unknown, fn: string): string => {
  if (typeof v === 'string') return v;
  throw new ArgError(`cannot use ${kind(v)} as argument (type string) to call ${fn} `, v);
};
const num = (v: unknown, op: string): number => {
  if (typeof v === 'number') return v;
  throw new ExprError(`invalid operation: ${op} (mismatched type ${kind(v)})`);
};

type Fn = (args: unknown[], closure: ((item: unknown, i: number) => unknown) | undefined, name: string) => unknown;

const pred = (c: ((item: unknown, i: number) => unknown) | undefined, name: string): ((item: unknown, i: number) => unknown) => {
  if (!c) throw new ExprError(`${name}: missing predicate`);
  return c;
};
const truthy = (v: unknown, name: string): boolean => {
  if (typeof v !== 'boolean') throw new ExprError(`predicate should return boolean (got ${kind(v)})`, undefined, true);
  void name;
  return v;
};

const FUNCS: Record<string, Fn> = {
  filter: ([a], c, n) => arr(a, n).filter((x, i) => truthy(pred(c, n)(x, i), n)),
  map: ([a], c, n) => arr(a, n).map((x, i) => pred(c, n)(x, i)),
  all: ([a], c, n) => arr(a, n).every((x, i) => truthy(pred(c, n)(x, i), n)),
  any: ([a], c, n) => arr(a, n).some((x, i) => truthy(pred(c, n)(x, i), n)),
  none: ([a], c, n) => !arr(a, n).some((x, i) => truthy(pred(c, n)(x, i), n)),
  one: ([a], c, n) => arr(a, n).filter((x, i) => truthy(pred(c, n)(x, i), n)).length === 1,
  count: ([a], c, n) => arr(a, n).filter((x, i) => (c ? truthy(c(x, i), n) : x === true)).length,
  find: ([a], c, n) => arr(a, n).find((x, i) => truthy(pred(c, n)(x, i), n)) ?? null,
  findIndex: ([a], c, n) => arr(a, n).findIndex((x, i) => truthy(pred(c, n)(x, i), n)),
  findLast: ([a], c, n) => arr(a, n).findLast((x, i) => truthy(pred(c, n)(x, i), n)) ?? null,
  findLastIndex: ([a], c, n) => arr(a, n).findLastIndex((x, i) => truthy(pred(c, n)(x, i), n)),
  reduce: ([a, init], c, n) => {
    const items = arr(a, n);
    const f = pred(c, n) as unknown as (item: unknown, i: number, acc: unknown) => unknown;
    let acc = init;
    let start = 0;
    if (init === undefined) { acc = items[0] ?? null; start = 1; }
    for (let i = start; i < items.length; i++) acc = f(items[i], i, acc);
    return acc;
  },
  sum: ([a], c, n) => arr(a, n).reduce((s: number, x, i) => s + num(c ? c(x, i) : x, 'sum'), 0),
  len: ([a]) => {
    if (typeof a === 'string') return [...a].length;
    if (Array.isArray(a)) return a.length;
    if (a && typeof a === 'object') return Object.keys(a).length;
    throw new ExprError(`invalid argument for len (type ${kind(a)})`);
  },
  upper: ([s], _c, n) => str(s, n).toUpperCase(),
  lower: ([s], _c, n) => str(s, n).toLowerCase(),
  trim: ([s, cut], _c, n) => (cut === undefined ? str(s, n).trim() : trimChars(str(s, n), str(cut, n), true, true)),
  trimPrefix: ([s, pre], _c, n) => (str(s, n).startsWith(str(pre, n)) ? (s as string).slice((pre as string).length) : s),
  trimSuffix: ([s, suf], _c, n) => (str(s, n).endsWith(str(suf, n)) && (suf as string).length > 0 ? (s as string).slice(0, -(suf as string).length) : s),
  split: ([s, sep, limit], _c, n) => {
    const parts = str(s, n).split(str(sep, n));
    if (typeof limit === 'number' && limit > 0 && parts.length > limit) return [...parts.slice(0, limit - 1), parts.slice(limit - 1).join(sep as string)];
    return parts;
  },
  join: ([a, sep], _c, n) => arr(a, n).map((x) => str(x, n)).join(sep === undefined ? '' : str(sep, n)),
  replace: ([s, o, r], _c, n) => str(s, n).split(str(o, n)).join(str(r, n)),
  repeat: ([s, k], _c, n) => str(s, n).repeat(num(k, n)),
  indexOf: ([s, sub], _c, n) => str(s, n).indexOf(str(sub, n)),
  lastIndexOf: ([s, sub], _c, n) => str(s, n).lastIndexOf(str(sub, n)),
  hasPrefix: ([s, p], _c, n) => str(s, n).startsWith(str(p, n)),
  hasSuffix: ([s, p], _c, n) => str(s, n).endsWith(str(p, n)),
  string: ([v]) => (typeof v === 'string' ? v : v === null || v === undefined ? '<nil>' : typeof v === 'object' ? JSON.stringify(v) : String(v)),
  int: ([v], _c, n) => {
    if (typeof v === 'number') return Math.trunc(v);
    if (typeof v === 'string' && /^[-+]?\d+$/.test(v.trim())) return Number.parseInt(v, 10);
    throw new ExprError(`${n}: invalid value ${JSON.stringify(v)}`);
  },
  float: ([v], _c, n) => {
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
    throw new ExprError(`${n}: invalid value ${JSON.stringify(v)}`);
  },
  abs: ([v], _c, n) => Math.abs(num(v, n)),
  ceil: ([v], _c, n) => Math.ceil(num(v, n)),
  floor: ([v], _c, n) => Math.floor(num(v, n)),
  round: ([v], _c, n) => Math.round(num(v, n)),
  max: (a, _c, n) => Math.max(...(a.length === 1 && Array.isArray(a[0]) ? a[0] : a).map((x) => num(x, n))),
  min: (a, _c, n) => Math.min(...(a.length === 1 && Array.isArray(a[0]) ? a[0] : a).map((x) => num(x, n))),
  first: ([a], _c, n) => arr(a, n)[0] ?? null,
  last: ([a], _c, n) => arr(a, n).at(-1) ?? null,
  keys: ([m]) => Object.keys((m ?? {}) as object),
  values: ([m]) => Object.values((m ?? {}) as object),
  reverse: ([a], _c, n) => [...arr(a, n)].reverse(),
  uniq: ([a], _c, n) => arr(a, n).filter((x, i, all) => all.findIndex((y) => equal(x, y)) === i),
  concat: (a, _c, n) => a.flatMap((x) => arr(x, n)),
  flatten: ([a], _c, n) => arr(a, n).flat(Infinity),
  sort: ([a, order], _c, n) => {
    const out = [...arr(a, n)].sort((x, y) => (typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0));
    return order === 'desc' ? out.reverse() : out;
  },
  toJSON: ([v]) => JSON.stringify(v, null, 2),
  fromJSON: ([s], _c, n) => { try { return JSON.parse(str(s, n)); } catch (err) { throw new ExprError((err as Error).message); } },
};

function trimChars(s: string, cut: string, left: boolean, right: boolean): string {
  let a = 0;
  let b = s.length;
  while (left && a < b && cut.includes(s[a] as string)) a++;
  while (right && b > a && cut.includes(s[b - 1] as string)) b--;
  return s.slice(a, b);
}

function evaluate(n: Node, sc: Scope): unknown {
  try {
    return evaluateNode(n, sc);
  } catch (err) {
    if (err instanceof ExprError && err.pos === undefined) err.pos = err.predicate && n.k === 'call' ? n.closurePos : n.pos;
    throw err;
  }
}

function evaluateNode(n: Node, sc: Scope): unknown {
  switch (n.k) {
    case 'lit': return n.v;
    case 'id':
      if (!Object.hasOwn(sc.env, n.name)) throw new ExprError(`unknown name ${n.name}`);
      return sc.env[n.name];
    case 'ptr':
      if (n.name === '#') { if (!('ptr' in sc)) throw new ExprError('cannot use pointer accessor outside predicate'); return sc.ptr; }
      // expr-lang (the version Argo embeds) knows #index in map() only
      if (n.name === '#index' && sc.indexOk) return sc.index;
      if (n.name === '#acc') return sc.acc;
      if (sc.ptr && typeof sc.ptr === 'object' && !Array.isArray(sc.ptr)) return (sc.ptr as Record<string, unknown>)[n.name.slice(1)] ?? null;
      throw new ExprError(`unknown pointer ${n.name}`);
    case 'arr': return n.items.map((x) => evaluate(x, sc));
    case 'map': return Object.fromEntries(n.entries.map(([k, v]) => [String(evaluate(k, sc)), evaluate(v, sc)]));
    case 'member': {
      const obj = evaluate(n.obj, sc);
      if (obj === null || obj === undefined) {
        if (n.opt) return null;
        throw new ExprError(`cannot fetch ${String(evaluate(n.prop, sc))} from nil`);
      }
      const prop = evaluate(n.prop, sc);
      if (Array.isArray(obj) || typeof obj === 'string') {
        if (typeof obj === 'string' && typeof prop === 'string') throw new ExprError(`type string has no field ${prop}`);
        if (typeof prop !== 'number' || !Number.isInteger(prop)) throw new ExprError(`${Array.isArray(obj) ? 'array elements' : 'string characters'} can only be selected using an integer (got ${kind(prop)})`, n.prop.pos ?? n.pos);
        const i = prop < 0 ? obj.length + prop : prop;
        if (i < 0 || i >= obj.length) throw new ExprError(`index out of range: ${prop} (array length is ${obj.length})`);
        return obj[i];
      }
      if (typeof obj === 'object') return (obj as Record<string, unknown>)[String(prop)] ?? null;
      throw new ExprError(`type ${kind(obj)} has no field ${String(prop)}`);
    }
    case 'slice': {
      const obj = evaluate(n.obj, sc);
      if (!Array.isArray(obj) && typeof obj !== 'string') throw new ExprError(`cannot slice ${kind(obj)}`);
      const from = n.from ? num(evaluate(n.from, sc), 'slice') : 0;
      const to = n.to ? num(evaluate(n.to, sc), 'slice') : obj.length;
      return obj.slice(from, to);
    }
    case 'unary': {
      const x = evaluate(n.x, sc);
      if (n.op === '!') { if (typeof x !== 'boolean') throw new ExprError(`invalid operation: ! (mismatched type ${kind(x)})`); return !x; }
      const v = num(x, n.op);
      return n.op === '-' ? -v : v;
    }
    case 'cond': {
      const c = evaluate(n.c, sc);
      if (typeof c !== 'boolean') throw new ExprError(`non-bool expression (type ${kind(c)}) used as condition`);
      return c ? evaluate(n.a, sc) : evaluate(n.b, sc);
    }
    case 'bin': return binary(n.op, n.text, n.a, n.b, sc);
    case 'call': {
      const args = n.args.map((a) => evaluate(a, sc));
      const closure = n.closure ? (item: unknown, index: number, acc?: unknown): unknown => evaluate(n.closure as Node, { env: sc.env, ptr: item, index, indexOk: n.name === 'map', acc }) : undefined;
      try {
        return (FUNCS[n.name] as Fn)(args, closure, n.name);
      } catch (err) {
        if (err instanceof ArgError && err.pos === undefined) {
          const i = args.indexOf(err.value);
          if (i >= 0) err.pos = n.args[i]?.pos;
        }
        throw err;
      }
    }
  }
}

function binary(op: string, text: string, an: Node, bn: Node, sc: Scope): unknown {
  if (op === '&&' || op === '||') {
    const a = evaluate(an, sc);
    if (typeof a !== 'boolean') throw new ExprError(`invalid operation: ${text} (mismatched types ${kind(a)} and bool)`);
    if (op === '&&' ? !a : a) return a;
    const b = evaluate(bn, sc);
    if (typeof b !== 'boolean') throw new ExprError(`invalid operation: ${text} (mismatched types bool and ${kind(b)})`);
    return b;
  }
  if (op === '??') {
    const a = evaluate(an, sc);
    return a === null || a === undefined ? evaluate(bn, sc) : a;
  }
  const a = evaluate(an, sc);
  const b = evaluate(bn, sc);
  const mismatch = (): never => { throw new ExprError(`invalid operation: ${text} (mismatched types ${kind(a)} and ${kind(b)})`); };
  switch (op) {
    case '==': return equal(a, b);
    case '!=': return !equal(a, b);
    case '+':
      if (typeof a === 'number' && typeof b === 'number') return a + b;
      if (typeof a === 'string' && typeof b === 'string') return a + b;
      if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
      return mismatch();
    case '-': case '*': case '/': case '%': case '**': {
      if (typeof a !== 'number' || typeof b !== 'number') return mismatch();
      if (op === '-') return a - b;
      if (op === '*') return a * b;
      if (op === '/') return a / b;
      if (op === '%') {
        if (!Number.isInteger(a) || !Number.isInteger(b)) return mismatch();
        if (b === 0) throw new ExprError('integer divide by zero');
        return a % b;
      }
      return a ** b;
    }
    case '<': case '>': case '<=': case '>=': {
      if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string'))) return mismatch();
      const x = a as number | string;
      const y = b as number | string;
      return op === '<' ? x < y : op === '>' ? x > y : op === '<=' ? x <= y : x >= y;
    }
    case 'in':
      if (Array.isArray(b)) return b.some((x) => equal(x, a));
      if (b && typeof b === 'object') return Object.hasOwn(b, String(a));
      if (b === null || b === undefined) return false;
      return mismatch();
    case 'contains': if (typeof a !== 'string' || typeof b !== 'string') return mismatch(); return a.includes(b);
    case 'startsWith': if (typeof a !== 'string' || typeof b !== 'string') return mismatch(); return a.startsWith(b);
    case 'endsWith': if (typeof a !== 'string' || typeof b !== 'string') return mismatch(); return a.endsWith(b);
    case 'matches': {
      if (typeof a !== 'string' || typeof b !== 'string') return mismatch();
      try { return new RegExp(b).test(a); } catch (err) { throw new ExprError(`error parsing regexp: ${(err as Error).message}`); }
    }
    case '..': {
      if (typeof a !== 'number' || typeof b !== 'number' || !Number.isInteger(a) || !Number.isInteger(b)) return mismatch();
      const out: number[] = [];
      for (let i = a; i <= b; i++) out.push(i);
      return out;
    }
  }
  throw new ExprError(`operator ${op} is not supported by argoexec-ts's expr subset`);
}

/** expr's file.Error rendering: `message (line:col)`, the source line, dots up to the column, `^`. */
function located(err: ExprError, src: string): Error {
  if (err.pos === undefined) return err;
  const before = src.slice(0, err.pos);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const col = [...src.slice(lineStart, err.pos)].length;
  const text = src.split('\n')[line - 1] ?? '';
  return new Error(`${err.message} (${line}:${col + 1})\n | ${text}\n | ${'.'.repeat(col)}^`);
}

/** Compile and run an expr-lang program with the given environment. */
export function runExpr(program: string, env: Record<string, unknown>): unknown {
  try {
    return evaluate(parse(program), { env });
  } catch (err) {
    if (err instanceof ExprError) throw located(err, program);
    throw err;
  }
}
