/**
 * A small, safe evaluator for the expr-lang (github.com/expr-lang/expr) subset that HTTP templates'
 * `successCondition` uses (lifecycle §10.4; Argo's docs/examples): literals (numbers, strings, true,
 * false, nil, arrays), `request`/`response` member and index access (`.x`, `?.x`, `["x"]`, `[0]`),
 * comparisons, `&&`/`and`, `||`/`or`, `!`/`not`, `in`/`not in`, `contains`, `startsWith`, `endsWith`,
 * `matches`, `+ - * / % **`, unary minus, `?:`, `??`, and a few builtins (len, lower, upper, trim,
 * trimPrefix, trimSuffix, split, string, int, float, fromJSON, keys, values).
 *
 * Nothing is compiled to JavaScript (no eval/Function); anything outside the subset — closures,
 * pipes, `let`, map literals, other builtins — fails with a clear compile error, not a guess.
 * Semantics follow expr's runtime for the dynamic (map[string]any) environment Argo passes:
 * a missing map key is nil, `==` compares numbers across int/float and other values deeply,
 * `&&`/`||`/`!` need booleans. Error texts carry expr's ` (line:col)` position and source excerpt.
 */

export class ExprError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExprError';
  }
}

type Node =
  | { k: 'lit'; v: Value; pos: number }
  | { k: 'name'; name: string; pos: number }
  | { k: 'member'; obj: Node; prop: Node; optional: boolean; pos: number }
  | { k: 'slice'; obj: Node; from?: Node; to?: Node; pos: number }
  | { k: 'unary'; op: string; x: Node; pos: number }
  | { k: 'binary'; op: string; l: Node; r: Node; pos: number }
  | { k: 'cond'; c: Node; a: Node; b: Node; pos: number }
  | { k: 'array'; items: Node[]; pos: number }
  | { k: 'call'; fn: string; args: Node[]; pos: number };

/** A Go value as the expression sees it. Integers are JS numbers marked by Number.isInteger. */
export type Value = null | boolean | number | string | Value[] | { [k: string]: Value } | Uint8Array;

interface Token { t: 'num' | 'str' | 'name' | 'op' | 'eof'; v: string; num?: number; pos: number }

const OPS = ['**', '==', '!=', '<=', '>=', '&&', '||', '??', '?.', '..', '<', '>', '+', '-', '*', '/', '%', '^', '!', '(', ')', '[', ']', '.', ',', '?', ':', '{', '}', '|', '#', ';', '='];

const BINARY: Record<string, { prec: number; right?: boolean }> = {
  '||': { prec: 10 }, or: { prec: 10 },
  '&&': { prec: 15 }, and: { prec: 15 },
  '==': { prec: 20 }, '!=': { prec: 20 }, '<': { prec: 20 }, '>': { prec: 20 }, '<=': { prec: 20 }, '>=': { prec: 20 },
  in: { prec: 20 }, matches: { prec: 20 }, contains: { prec: 20 }, startsWith: { prec: 20 }, endsWith: { prec: 20 },
  '..': { prec: 25 },
  '+': { prec: 30 }, '-': { prec: 30 },
  '*': { prec: 60 }, '/': { prec: 60 }, '%': { prec: 60 },
  '**': { prec: 100, right: true }, '^': { prec: 100, right: true },
  '??': { prec: 500 },
};

const BUILTINS = new Set(['len', 'lower', 'upper', 'trim', 'trimPrefix', 'trimSuffix', 'split', 'string', 'int', 'float', 'fromJSON', 'keys', 'values']);

/** expr's file.Error text: `<message> (line:col)` and the source line with a caret. */
function located(src: string, pos: number, message: string): ExprError {
  const before = src.slice(0, pos);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineText = src.slice(lineStart).split('\n')[0] ?? '';
  const col = pos - lineStart;
  return new ExprError(`${message} (${line}:${col + 1})\n | ${lineText}\n | ${'.'.repeat(col)}^`);
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) { i++; continue; }
    const start = i;
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9][0-9_]*(\.[0-9_]*)?([eE][+-]?[0-9]+)?|\.[0-9_]+([eE][+-]?[0-9]+)?)/.exec(src.slice(i));
      const text = (m as RegExpExecArray)[0];
      // `1..3` is a range, not a float: give the dot back.
      const lit = text.endsWith('.') && src[i + text.length] === '.' ? text.slice(0, -1) : text;
      const clean = lit.replace(/_/g, '');
      const num = /^0[oO]/.test(clean) ? Number.parseInt(clean.slice(2), 8) : Number(clean);
      if (Number.isNaN(num)) throw located(src, start, `invalid number literal ${lit}`);
      out.push({ t: 'num', v: lit, num, pos: start });
      i += lit.length;
      continue;
    }
    if (c === '"' || c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw located(src, start, 'literal not terminated');
        const d = src[i] as string;
        if (d === c) { i++; break; }
        if (d === '\\') {
          const e = src[i + 1] ?? '';
          const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0' };
          if (e === 'x' || e === 'u' || e === 'U') {
            const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
            const hex = src.slice(i + 2, i + 2 + n);
            if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) throw located(src, i, 'invalid char escape');
            s += String.fromCodePoint(Number.parseInt(hex, 16));
            i += 2 + n;
            continue;
          }
          if (!(e in simple)) throw located(src, i, 'invalid char escape');
          s += simple[e];
          i += 2;
          continue;
        }
        s += d;
        i++;
      }
      out.push({ t: 'str', v: s, pos: start });
      continue;
    }
    if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end < 0) throw located(src, start, 'literal not terminated');
      out.push({ t: 'str', v: src.slice(i + 1, end), pos: start });
      i = end + 1;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ t: 'name', v: m[0], pos: start });
      i += m[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw located(src, start, `unexpected token "${c}"`);
    out.push({ t: 'op', v: op, pos: start });
    i += op.length;
  }
  out.push({ t: 'eof', v: '', pos: src.length });
  return out;
}

class Parser {
  private i = 0;
  private readonly toks: Token[];
  private readonly src: string;
  private readonly names: Set<string>;

  constructor(src: string, names: Set<string>) {
    this.src = src;
    this.toks = tokenize(src);
    this.names = names;
  }

  private peek(o = 0): Token { return this.toks[Math.min(this.i + o, this.toks.length - 1)] as Token; }
  private next(): Token { const t = this.peek(); this.i++; return t; }
  private fail(t: Token, msg: string): never { throw located(this.src, t.pos, msg); }
  private isOp(v: string, o = 0): boolean { const t = this.peek(o); return t.t === 'op' && t.v === v; }
  private expect(v: string): Token {
    const t = this.next();
    if (t.t !== 'op' || t.v !== v) this.fail(t, t.t === 'eof' ? `unexpected end of expression, expected "${v}"` : `unexpected token ${describe(t)}, expected "${v}"`);
    return t;
  }

  parse(): Node {
    const n = this.expression(0);
    const t = this.peek();
    if (t.t !== 'eof') this.unsupportedOr(t, `unexpected token ${describe(t)}`);
    return n;
  }

  private unsupportedOr(t: Token, msg: string): never {
    if (t.t === 'op' && (t.v === '|' || t.v === ';' || t.v === '=' || t.v === '{' || t.v === '#')) this.fail(t, `unsupported syntax "${t.v}" in argoexec-ts's expression subset`);
    this.fail(t, msg);
  }

  private binaryOp(): { op: string; len: number } | undefined {
    const t = this.peek();
    if (t.t === 'op' && BINARY[t.v]) return { op: t.v, len: 1 };
    if (t.t === 'name') {
      if (t.v === 'not') {
        const n = this.peek(1);
        if (n.t === 'name' && n.v === 'in') return { op: 'not in', len: 2 };
        return undefined;
      }
      if (BINARY[t.v]) return { op: t.v, len: 1 };
    }
    return undefined;
  }

  private expression(minPrec: number): Node {
    let left = this.unary();
    for (;;) {
      const b = this.binaryOp();
      if (!b) break;
      const info = BINARY[b.op === 'not in' ? 'in' : b.op] as { prec: number; right?: boolean };
      if (info.prec < minPrec) break;
      const t = this.peek();
      if (b.op === '..') this.fail(t, 'unsupported syntax ".." (ranges) in argoexec-ts\'s expression subset');
      this.i += b.len;
      const right = this.expression(info.right ? info.prec : info.prec + 1);
      left = { k: 'binary', op: b.op, l: left, r: right, pos: t.pos };
    }
    if (minPrec === 0 && this.isOp('?')) {
      const q = this.next();
      const a = this.expression(0);
      this.expect(':');
      const b = this.expression(0);
      return { k: 'cond', c: left, a, b, pos: q.pos };
    }
    return left;
  }

  private unary(): Node {
    const t = this.peek();
    if ((t.t === 'op' && (t.v === '!' || t.v === '-' || t.v === '+')) || (t.t === 'name' && t.v === 'not')) {
      this.i++;
      const prec = t.v === '-' || t.v === '+' ? 90 : 50;
      const x = this.expression(prec);
      return { k: 'unary', op: t.v === 'not' ? '!' : t.v, x, pos: t.pos };
    }
    return this.postfix(this.primary());
  }

  private primary(): Node {
    const t = this.next();
    switch (t.t) {
      case 'num': return { k: 'lit', v: t.num as number, pos: t.pos };
      case 'str': return { k: 'lit', v: t.v, pos: t.pos };
      case 'eof': return this.fail(t, 'unexpected end of expression');
      case 'name': {
        if (t.v === 'true' || t.v === 'false') return { k: 'lit', v: t.v === 'true', pos: t.pos };
        if (t.v === 'nil') return { k: 'lit', v: null, pos: t.pos };
        if (t.v === 'let') this.fail(t, 'unsupported syntax "let" in argoexec-ts\'s expression subset');
        if (this.isOp('(')) {
          if (!BUILTINS.has(t.v)) this.fail(t, `function ${t.v} is not supported by argoexec-ts's expression subset (supported: ${[...BUILTINS].join(', ')})`);
          this.next();
          const args: Node[] = [];
          if (!this.isOp(')')) {
            for (;;) {
              if (this.isOp('{') || this.isOp('#')) this.fail(this.peek(), 'unsupported syntax (closures) in argoexec-ts\'s expression subset');
              args.push(this.expression(0));
              if (this.isOp(',')) { this.next(); continue; }
              break;
            }
          }
          this.expect(')');
          return { k: 'call', fn: t.v, args, pos: t.pos };
        }
        if (!this.names.has(t.v)) this.fail(t, `unknown name ${t.v}`);
        return { k: 'name', name: t.v, pos: t.pos };
      }
      case 'op': {
        if (t.v === '(') {
          const n = this.expression(0);
          this.expect(')');
          return n;
        }
        if (t.v === '[') {
          const items: Node[] = [];
          while (!this.isOp(']')) {
            items.push(this.expression(0));
            if (this.isOp(',')) { this.next(); continue; }
            break;
          }
          this.expect(']');
          return { k: 'array', items, pos: t.pos };
        }
        if (t.v === '{') this.fail(t, 'unsupported syntax (map literals) in argoexec-ts\'s expression subset');
        return this.unsupportedOr(t, `unexpected token ${describe(t)}`);
      }
    }
  }

  private postfix(node: Node): Node {
    for (;;) {
      const t = this.peek();
      if (t.t !== 'op') return node;
      if (t.v === '.' || t.v === '?.') {
        this.next();
        const name = this.next();
        if (name.t === 'op' && name.v === '[' && t.v === '?.') {
          const prop = this.expression(0);
          this.expect(']');
          node = { k: 'member', obj: node, prop, optional: true, pos: t.pos };
          continue;
        }
        if (name.t !== 'name') this.fail(name, `expected name`);
        if (this.isOp('(')) this.fail(name, `method calls (.${name.v}()) are not supported by argoexec-ts's expression subset`);
        node = { k: 'member', obj: node, prop: { k: 'lit', v: name.v, pos: name.pos }, optional: t.v === '?.', pos: name.pos };
        continue;
      }
      if (t.v === '[') {
        this.next();
        if (this.isOp(':')) {
          this.next();
          const to = this.isOp(']') ? undefined : this.expression(0);
          this.expect(']');
          node = { k: 'slice', obj: node, to, pos: t.pos };
          continue;
        }
        const idx = this.expression(0);
        if (this.isOp(':')) {
          this.next();
          const to = this.isOp(']') ? undefined : this.expression(0);
          this.expect(']');
          node = { k: 'slice', obj: node, from: idx, to, pos: t.pos };
          continue;
        }
        this.expect(']');
        node = { k: 'member', obj: node, prop: idx, optional: false, pos: t.pos };
        continue;
      }
      return node;
    }
  }
}

function describe(t: Token): string {
  return t.t === 'str' ? JSON.stringify(t.v) : t.t === 'eof' ? 'end of expression' : `"${t.v}"`;
}

const isMap = (v: Value): v is { [k: string]: Value } => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);

/** Go's type names for runtime errors. */
export function goType(v: Value): string {
  if (v === null) return '<nil>';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'string') return 'string';
  if (v instanceof Uint8Array) return '[]uint8';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

function equal(a: Value, b: Value): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (a === null || b === null) return a === b;
  if (typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.from(a).equals(Buffer.from(b));
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i] as Value));
  const ak = Object.keys(a);
  const bk = Object.keys(b as object);
  return ak.length === bk.length && ak.every((k) => k in (b as object) && equal((a as Record<string, Value>)[k] as Value, (b as Record<string, Value>)[k] as Value));
}

class Evaluator {
  private readonly src: string;
  private readonly env: Record<string, Value>;
  constructor(src: string, env: Record<string, Value>) {
    this.src = src;
    this.env = env;
  }

  private fail(n: Node, msg: string): never { throw located(this.src, n.pos, msg); }

  eval(n: Node): Value {
    switch (n.k) {
      case 'lit': return n.v;
      case 'name': return this.env[n.name] ?? null;
      case 'array': return n.items.map((x) => this.eval(x));
      case 'cond': {
        const c = this.eval(n.c);
        if (typeof c !== 'boolean') this.fail(n, `non-bool expression (type ${goType(c)}) used as condition`);
        return c ? this.eval(n.a) : this.eval(n.b);
      }
      case 'member': return this.member(n);
      case 'slice': return this.slice(n);
      case 'unary': {
        const x = this.eval(n.x);
        if (n.op === '!') {
          if (typeof x !== 'boolean') this.fail(n, `invalid operation: ! (mismatched type ${goType(x)})`);
          return !x;
        }
        if (typeof x !== 'number') this.fail(n, `invalid operation: ${n.op} (mismatched type ${goType(x)})`);
        return n.op === '-' ? -x : x;
      }
      case 'binary': return this.binary(n);
      case 'call': return this.call(n);
    }
  }

  private member(n: Extract<Node, { k: 'member' }>): Value {
    const obj = this.eval(n.obj);
    const key = this.eval(n.prop);
    if (obj === null) {
      if (n.optional) return null;
      this.fail(n, `cannot fetch ${typeof key === 'string' ? key : JSON.stringify(key)} from <nil>`);
    }
    if (isMap(obj)) {
      if (typeof key !== 'string') this.fail(n, `cannot use ${goType(key)} as map key (type string)`);
      return Object.prototype.hasOwnProperty.call(obj, key) ? (obj[key] as Value) : null;
    }
    if (Array.isArray(obj) || typeof obj === 'string' || obj instanceof Uint8Array) {
      if (typeof key !== 'number' || !Number.isInteger(key)) this.fail(n, `cannot use ${goType(key)} as index to ${goType(obj)}`);
      const len = typeof obj === 'string' ? [...obj].length : obj.length;
      const idx = key < 0 ? key + len : key;
      if (idx < 0 || idx >= len) this.fail(n, `index out of range: ${key} (array length is ${len})`);
      if (typeof obj === 'string') return [...obj][idx] as string;
      return obj instanceof Uint8Array ? (obj[idx] as number) : (obj[idx] as Value);
    }
    return this.fail(n, `cannot fetch ${typeof key === 'string' ? key : JSON.stringify(key)} from ${goType(obj)}`);
  }

  private slice(n: Extract<Node, { k: 'slice' }>): Value {
    const obj = this.eval(n.obj);
    if (typeof obj !== 'string' && !Array.isArray(obj)) return this.fail(n, `cannot slice ${goType(obj)}`);
    const items = typeof obj === 'string' ? [...obj] : obj;
    const bound = (x: Node | undefined, def: number): number => {
      if (!x) return def;
      const v = this.eval(x);
      if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(x, `non-integer slice index ${goType(v)}`);
      const i = v < 0 ? v + items.length : v;
      return Math.max(0, Math.min(items.length, i));
    };
    const from = bound(n.from, 0);
    const to = bound(n.to, items.length);
    const part = items.slice(from, Math.max(from, to));
    return typeof obj === 'string' ? (part as string[]).join('') : (part as Value[]);
  }

  private binary(n: Extract<Node, { k: 'binary' }>): Value {
    const op = n.op;
    if (op === '&&' || op === 'and' || op === '||' || op === 'or') {
      const l = this.eval(n.l);
      if (typeof l !== 'boolean') this.fail(n, `invalid operation: ${op} (mismatched types ${goType(l)} and bool)`);
      const isAnd = op === '&&' || op === 'and';
      if (isAnd ? !l : l) return l;
      const r = this.eval(n.r);
      if (typeof r !== 'boolean') this.fail(n, `invalid operation: ${op} (mismatched types bool and ${goType(r)})`);
      return r;
    }
    if (op === '??') {
      const l = this.eval(n.l);
      return l === null ? this.eval(n.r) : l;
    }
    const l = this.eval(n.l);
    const r = this.eval(n.r);
    const mismatch = (): never => this.fail(n, `invalid operation: ${op} (mismatched types ${goType(l)} and ${goType(r)})`);
    switch (op) {
      case '==': return equal(l, r);
      case '!=': return !equal(l, r);
      case '<': case '>': case '<=': case '>=': {
        if (!((typeof l === 'number' && typeof r === 'number') || (typeof l === 'string' && typeof r === 'string'))) return mismatch();
        if (op === '<') return l < r;
        if (op === '>') return l > r;
        if (op === '<=') return l <= r;
        return l >= r;
      }
      case 'in': case 'not in': {
        let found: boolean;
        if (Array.isArray(r)) found = r.some((x) => equal(l, x));
        else if (isMap(r)) {
          if (typeof l !== 'string') return mismatch();
          found = Object.prototype.hasOwnProperty.call(r, l);
        } else if (r === null) found = false;
        else return this.fail(n, `operator "in" not defined on ${goType(r)}`);
        return op === 'in' ? found : !found;
      }
      case 'contains': case 'startsWith': case 'endsWith': case 'matches': {
        if (typeof l !== 'string' || typeof r !== 'string') return mismatch();
        if (op === 'contains') return l.includes(r);
        if (op === 'startsWith') return l.startsWith(r);
        if (op === 'endsWith') return l.endsWith(r);
        let re: RegExp;
        try { re = new RegExp(r, 'u'); } catch (err) { return this.fail(n, `error parsing regexp: ${(err as Error).message}`); }
        return re.test(l);
      }
      case '+':
        if (typeof l === 'string' && typeof r === 'string') return l + r;
        if (typeof l === 'number' && typeof r === 'number') return l + r;
        return mismatch();
      case '-': case '*': case '/': case '%': case '**': case '^': {
        if (typeof l !== 'number' || typeof r !== 'number') return mismatch();
        if (op === '-') return l - r;
        if (op === '*') return l * r;
        if (op === '/') return l / r;
        if (op === '%') {
          if (!Number.isInteger(l) || !Number.isInteger(r)) return mismatch();
          if (r === 0) return this.fail(n, 'integer divide by zero');
          return l % r;
        }
        return l ** r;
      }
      default: return this.fail(n, `unsupported operator ${op}`);
    }
  }

  private call(n: Extract<Node, { k: 'call' }>): Value {
    const args = n.args.map((a) => this.eval(a));
    const want = (count: number): void => {
      if (args.length !== count) this.fail(n, `invalid number of arguments (expected ${count}, got ${args.length})`);
    };
    const str = (v: Value, i = 0): string => {
      if (typeof v !== 'string') this.fail(n, `invalid argument for ${n.fn} (type ${goType(v)}) at ${i}`);
      return v;
    };
    switch (n.fn) {
      case 'len': {
        want(1);
        const v = args[0] as Value;
        if (typeof v === 'string') return [...v].length;
        if (Array.isArray(v) || v instanceof Uint8Array) return v.length;
        if (isMap(v)) return Object.keys(v).length;
        return this.fail(n, `invalid argument for len (type ${goType(v)})`);
      }
      case 'lower': want(1); return str(args[0] as Value).toLowerCase();
      case 'upper': want(1); return str(args[0] as Value).toUpperCase();
      case 'trim': {
        const s = str(args[0] as Value);
        if (args.length === 1) return s.trim();
        want(2);
        const cut = new Set([...str(args[1] as Value, 1)]);
        const chars = [...s];
        let a = 0;
        let b = chars.length;
        while (a < b && cut.has(chars[a] as string)) a++;
        while (b > a && cut.has(chars[b - 1] as string)) b--;
        return chars.slice(a, b).join('');
      }
      case 'trimPrefix': { want(2); const s = str(args[0] as Value); const p = str(args[1] as Value, 1); return s.startsWith(p) ? s.slice(p.length) : s; }
      case 'trimSuffix': { want(2); const s = str(args[0] as Value); const p = str(args[1] as Value, 1); return p !== '' && s.endsWith(p) ? s.slice(0, -p.length) : s; }
      case 'split': { want(2); return str(args[0] as Value).split(str(args[1] as Value, 1)); }
      case 'string': {
        want(1);
        const v = args[0] as Value;
        if (typeof v === 'string') return v;
        if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
        if (typeof v === 'number' || typeof v === 'boolean') return String(v);
        if (v === null) return '<nil>';
        return JSON.stringify(v);
      }
      case 'int': case 'float': {
        want(1);
        const v = args[0] as Value;
        let x: number;
        if (typeof v === 'number') x = v;
        else if (typeof v === 'string' && v.trim() === v && v !== '' && !Number.isNaN(Number(v))) x = Number(v);
        else return this.fail(n, `invalid operation: ${n.fn}(${goType(v)})`);
        return n.fn === 'int' ? Math.trunc(x) : x;
      }
      case 'fromJSON': {
        want(1);
        try { return JSON.parse(str(args[0] as Value)) as Value; } catch (err) { return this.fail(n, (err as Error).message); }
      }
      case 'keys': case 'values': {
        want(1);
        const v = args[0] as Value;
        if (!isMap(v)) return this.fail(n, `cannot get ${n.fn} from ${goType(v)}`);
        return n.fn === 'keys' ? Object.keys(v) : Object.values(v);
      }
      default: return this.fail(n, `function ${n.fn} is not supported`);
    }
  }
}

/** Go's fmt %s of a non-string value, as in Argo's "unable to cast expression result '%s' to bool". */
function goPercentS(v: Value): string {
  if (typeof v === 'string') return v;
  if (v === null) return '%!s(<nil>)';
  if (typeof v === 'number') return `%!s(${goType(v)}=${v})`;
  if (typeof v === 'boolean') return `%!s(bool=${v})`;
  if (Array.isArray(v)) return `[${v.map(goPercentS).join(' ')}]`;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('latin1');
  return `map[${Object.keys(v).sort().map((k) => `${k}:${goPercentS(v[k] as Value)}`).join(' ')}]`;
}

/** Parse `input` against the environment's top-level names (expr.Compile with expr.Env). */
export function compileExpr(input: string, names: Iterable<string>): (env: Record<string, Value>) => Value {
  const ast = new Parser(input, new Set(names)).parse();
  return (env) => new Evaluator(input, env).eval(ast);
}

/** argoexpr.EvalBool: compile errors as they are, runtime errors wrapped, non-bool results refused. */
export function evalBool(input: string, env: Record<string, Value>): boolean {
  const run = compileExpr(input, Object.keys(env));
  let result: Value;
  try {
    result = run(env);
  } catch (err) {
    throw new ExprError(`unable to evaluate expression '${input}': ${(err as Error).message}`);
  }
  if (typeof result !== 'boolean') throw new ExprError(`unable to cast expression result '${goPercentS(result)}' to bool`);
  return result;
}
