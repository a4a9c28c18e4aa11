/**
 * A small jq (gojq) subset for `valueFrom.jqFilter` of resource templates: `.`, `.a.b`, `."a-b"`,
 * `.["k"]`, `.[n]`, `.[]`, `.a[]`, optional `?`, pipes `|`, `,`, `[ … ]` collection, literals,
 * comparisons (`==` `!=` `<` `<=` `>` `>=`), `and`/`or`, and the functions `length`, `keys`, `values`,
 * `fromjson`, `tojson`, `tostring`, `tonumber`, `type`, `not`, `first`, `last`, `add`, `to_entries`,
 * `from_entries`, `select(f)`, `map(f)`, `has(k)`, `join(s)`, `split(s)`, `ascii_downcase`,
 * `ascii_upcase`, `empty`, `test(re)`, `startswith`, `endswith`, `ltrimstr`, `rtrimstr`, `sort`,
 * `unique`, `reverse`, `min`, `max`, `any`, `all`, `flatten`, object construction `{a: f, "b": g, c}`
 * and the alternative `a // b`. Anything else is refused with a clear error.
 *
 * Output as Go's jqFilter: each result on its own line (strings raw, others JSON), trimmed.
 */
import { goJson } from './go-json.ts';

type Ast =
  | { k: 'identity' }
  | { k: 'field'; of: Ast; name: Ast; opt: boolean }
  | { k: 'iter'; of: Ast; opt: boolean }
  | { k: 'slice'; of: Ast; from?: Ast; to?: Ast }
  | { k: 'lit'; v: unknown }
  | { k: 'pipe'; a: Ast; b: Ast }
  | { k: 'comma'; a: Ast; b: Ast }
  | { k: 'bin'; op: string; a: Ast; b: Ast }
  | { k: 'collect'; of: Ast | undefined }
  | { k: 'call'; name: string; args: Ast[] }
  | { k: 'alt'; a: Ast; b: Ast }
  | { k: 'object'; entries: [Ast, Ast][] };

export class JqError extends Error {}

const unsupported = (what: string): never => { throw new JqError(`jq: ${what} is not supported by argoexec-ts's jq subset`); };

function lex(src: string): string[] {
  const toks: string[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '#') { while (i < src.length && src[i] !== '\n') i++; continue; }
    if (c === '"') {
      let j = i + 1;
      for (; j < src.length && src[j] !== '"'; j++) if (src[j] === '\\') { if (src[j + 1] === '(') unsupported('string interpolation'); j++; }
      if (j >= src.length) throw new JqError(`jq: unterminated string literal: ${src}`);
      toks.push(src.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['==', '!=', '<=', '>=', '//', '..', '?/'].includes(two)) { if (two === '..' || two === '?/') unsupported(`'${two}'`); toks.push(two); i += 2; continue; }
    if ('.[](),|<>?:+-*/;{}'.includes(c)) { toks.push(c); i++; continue; }
    const m = /^(\d+(\.\d+)?([eE][-+]?\d+)?|[A-Za-z_$][A-Za-z0-9_]*)/.exec(src.slice(i));
    if (!m) unsupported(`'${c}'`);
    toks.push((m as RegExpExecArray)[0]);
    i += (m as RegExpExecArray)[0].length;
  }
  return toks;
}

function parse(src: string): Ast {
  const t = lex(src);
  let p = 0;
  const peek = (): string | undefined => t[p];
  const eat = (s: string): void => {
    if (t[p] !== s) throw new JqError(t[p] === undefined ? 'unexpected EOF' : `unexpected token ${JSON.stringify(t[p])}`);
    p++;
  };
  const pipe = (): Ast => {
    let a = comma();
    while (peek() === '|') { p++; a = { k: 'pipe', a, b: comma() }; }
    return a;
  };
  const comma = (): Ast => {
    let a = alt();
    while (peek() === ',') { p++; a = { k: 'comma', a, b: alt() }; }
    return a;
  };
  const alt = (): Ast => {
    const a = or();
    if (peek() === '//') { p++; return { k: 'alt', a, b: alt() }; }
    return a;
  };
  const or = (): Ast => {
    let a = and();
    while (peek() === 'or') { p++; a = { k: 'bin', op: 'or', a, b: and() }; }
    return a;
  };
  const and = (): Ast => {
    let a = cmp();
    while (peek() === 'and') { p++; a = { k: 'bin', op: 'and', a, b: cmp() }; }
    return a;
  };
  const cmp = (): Ast => {
    const a = additive();
    const op = peek();
    if (op && ['==', '!=', '<', '<=', '>', '>='].includes(op)) { p++; return { k: 'bin', op, a, b: additive() }; }
    return a;
  };
  const additive = (): Ast => {
    let a = postfix();
    while (peek() === '+' || peek() === '-') { const op = t[p++] as string; a = { k: 'bin', op, a, b: postfix() }; }
    return a;
  };
  const suffixes = (base: Ast): Ast => {
    let a = base;
    for (;;) {
      if (peek() === '[') {
        p++;
        if (peek() === ']') { p++; a = { k: 'iter', of: a, opt: false }; }
        else if (peek() === ':') { p++; const to = pipe(); eat(']'); a = { k: 'slice', of: a, to }; }
        else {
          const idx = pipe();
          if (peek() === ':') { p++; const to = peek() === ']' ? undefined : pipe(); eat(']'); a = { k: 'slice', of: a, from: idx, to }; }
          else { eat(']'); a = { k: 'field', of: a, name: idx, opt: false }; }
        }
      } else if (peek() === '.' && (t[p + 1] === '[' || /^[A-Za-z_"]/.test(t[p + 1] ?? ''))) {
        p++;
        if (peek() === '[') continue;
        const n = t[p++] as string;
        a = { k: 'field', of: a, name: { k: 'lit', v: n.startsWith('"') ? JSON.parse(n) : n }, opt: false };
      } else if (peek() === '?') {
        p++;
        if (a.k === 'field' || a.k === 'iter') a = { ...a, opt: true };
      } else return a;
    }
  };
  const postfix = (): Ast => suffixes(primary());
  /** An object value: no `,` (it separates entries); `|` binds inside. */
  const objectValue = (): Ast => {
    let a = alt();
    while (peek() === '|') { p++; a = { k: 'pipe', a, b: alt() }; }
    return a;
  };
  const primary = (): Ast => {
    const tok = peek();
    if (tok === undefined) throw new JqError('unexpected EOF');
    if (tok === '{') {
      p++;
      const entries: [Ast, Ast][] = [];
      while (peek() !== '}') {
        const k = t[p++];
        if (k === undefined) throw new JqError('unexpected EOF');
        let key: Ast;
        if (k === '(') { key = pipe(); eat(')'); } else if (k.startsWith('"')) key = { k: 'lit', v: JSON.parse(k) };
        else if (/^[A-Za-z_]/.test(k)) key = { k: 'lit', v: k };
        else throw new JqError(`unexpected token ${JSON.stringify(k)}`);
        let value: Ast;
        if (peek() === ':') { p++; value = objectValue(); } else if (key.k === 'lit') value = { k: 'field', of: { k: 'identity' }, name: key, opt: false };
        else throw new JqError(`unexpected token ${JSON.stringify(peek() ?? '')}`);
        entries.push([key, value]);
        if (peek() === ',') { p++; continue; }
        if (peek() !== '}') throw new JqError(peek() === undefined ? 'unexpected EOF' : `unexpected token ${JSON.stringify(peek())}`);
      }
      p++;
      return { k: 'object', entries };
    }
    if (tok === '.') {
      p++;
      const n = peek();
      if (n !== undefined && (/^[A-Za-z_]/.test(n) || n.startsWith('"')) && !['and', 'or'].includes(n)) {
        p++;
        return { k: 'field', of: { k: 'identity' }, name: { k: 'lit', v: n.startsWith('"') ? JSON.parse(n) : n }, opt: false };
      }
      return { k: 'identity' };
    }
    if (tok === '(') { p++; const e = pipe(); eat(')'); return e; }
    if (tok === '[') { p++; if (peek() === ']') { p++; return { k: 'collect', of: undefined }; } const e = pipe(); eat(']'); return { k: 'collect', of: e }; }
    if (tok.startsWith('"')) { p++; return { k: 'lit', v: JSON.parse(tok) }; }
    if (/^\d/.test(tok)) { p++; return { k: 'lit', v: Number(tok) }; }
    if (tok === '-' && /^\d/.test(t[p + 1] ?? '')) { p += 2; return { k: 'lit', v: -Number(t[p - 1]) }; }
    if (tok === 'true' || tok === 'false' || tok === 'null') { p++; return { k: 'lit', v: tok === 'null' ? null : tok === 'true' }; }
    if (/^[A-Za-z_]/.test(tok)) {
      p++;
      const args: Ast[] = [];
      if (peek() === '(') {
        p++;
        for (;;) {
          args.push(pipe());
          if (peek() === ';') { p++; continue; }
          break;
        }
        eat(')');
      }
      return { k: 'call', name: tok, args };
    }
    return unsupported(`'${tok}'`);
  };
  const ast = pipe();
  if (p < t.length) throw new JqError(`unexpected token ${JSON.stringify(t[p])}`);
  return ast;
}

const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v);
const truthy = (v: unknown): boolean => v !== null && v !== false && v !== undefined;

function order(v: unknown): number {
  return ['null', 'boolean', 'number', 'string', 'array', 'object'].indexOf(typeName(v));
}

function cmpValues(a: unknown, b: unknown): number {
  const oa = order(a);
  const ob = order(b);
  if (oa !== ob) return oa - ob;
  if (typeof a === 'number' || typeof a === 'string' || typeof a === 'boolean') return a < (b as typeof a) ? -1 : a > (b as typeof a) ? 1 : 0;
  return goJson(a) < goJson(b) ? -1 : goJson(a) > goJson(b) ? 1 : 0;
}

function* run(ast: Ast, input: unknown): Generator<unknown> {
  switch (ast.k) {
    case 'identity': yield input; return;
    case 'lit': yield ast.v; return;
    case 'field':
      for (const base of run(ast.of, input)) {
        for (const key of run(ast.name, input)) {
          if (base === null) { yield null; continue; }
          if (typeof key === 'string' && typeof base === 'object' && !Array.isArray(base)) { const v = (base as Record<string, unknown>)[key]; yield v === undefined ? null : v; continue; }
          if (typeof key === 'number' && Array.isArray(base)) { const i = key < 0 ? base.length + key : Math.floor(key); yield base[i] === undefined ? null : base[i]; continue; }
          if (ast.opt) continue;
          throw new JqError(`expected an object but got: ${typeName(base)} (${goJson(base)})`);
        }
      }
      return;
    case 'iter':
      for (const base of run(ast.of, input)) {
        if (Array.isArray(base)) yield* base;
        else if (base && typeof base === 'object') yield* Object.keys(base).sort().map((k) => (base as Record<string, unknown>)[k]);
        else if (!ast.opt) throw new JqError(`cannot iterate over: ${typeName(base)}${base === null ? '' : ` (${goJson(base)})`}`);
      }
      return;
    case 'slice':
      for (const base of run(ast.of, input)) {
        const from = ast.from ? (run(ast.from, input).next().value as number) : undefined;
        const to = ast.to ? (run(ast.to, input).next().value as number) : undefined;
        if (base === null) yield null;
        else if (Array.isArray(base) || typeof base === 'string') yield base.slice(from ?? 0, to ?? undefined);
        else throw new JqError(`cannot slice ${typeName(base)}`);
      }
      return;
    case 'pipe':
      for (const v of run(ast.a, input)) yield* run(ast.b, v);
      return;
    case 'comma':
      yield* run(ast.a, input);
      yield* run(ast.b, input);
      return;
    case 'collect':
      yield ast.of ? [...run(ast.of, input)] : [];
      return;
    case 'bin':
      if (ast.op === 'and' || ast.op === 'or') {
        for (const a of run(ast.a, input)) {
          if (ast.op === 'and' && !truthy(a)) { yield false; continue; }
          if (ast.op === 'or' && truthy(a)) { yield true; continue; }
          for (const b of run(ast.b, input)) yield truthy(b);
        }
        return;
      }
      for (const b of run(ast.b, input)) {
        for (const a of run(ast.a, input)) {
          switch (ast.op) {
            case '==': yield cmpValues(a, b) === 0; break;
            case '!=': yield cmpValues(a, b) !== 0; break;
            case '<': yield cmpValues(a, b) < 0; break;
            case '<=': yield cmpValues(a, b) <= 0; break;
            case '>': yield cmpValues(a, b) > 0; break;
            case '>=': yield cmpValues(a, b) >= 0; break;
            case '+':
              if (a === null) yield b;
              else if (b === null) yield a;
              else if (typeof a === 'number' && typeof b === 'number') yield a + b;
              else if (typeof a === 'string' && typeof b === 'string') yield a + b;
              else if (Array.isArray(a) && Array.isArray(b)) yield [...a, ...b];
              else if (typeName(a) === 'object' && typeName(b) === 'object') yield { ...(a as object), ...(b as object) };
              else throw new JqError(`cannot add: ${typeName(a)} and ${typeName(b)}`);
              break;
            case '-':
              if (typeof a === 'number' && typeof b === 'number') yield a - b;
              else if (Array.isArray(a) && Array.isArray(b)) yield a.filter((x) => !b.some((y) => cmpValues(x, y) === 0));
              else throw new JqError(`cannot subtract: ${typeName(a)} and ${typeName(b)}`);
              break;
          }
        }
      }
      return;
    case 'call': yield* call(ast.name, ast.args, input); return;
    case 'alt': {
      let any = false;
      try {
        for (const v of run(ast.a, input)) if (truthy(v)) { any = true; yield v; }
      } catch (err) {
        if (!(err instanceof JqError)) throw err;
      }
      if (!any) yield* run(ast.b, input);
      return;
    }
    case 'object': {
      let acc: Record<string, unknown>[] = [{}];
      for (const [kAst, vAst] of ast.entries) {
        const next: Record<string, unknown>[] = [];
        for (const o of acc) {
          for (const k of run(kAst, input)) {
            if (typeof k !== 'string') throw new JqError(`expected a string for object key but got: ${typeName(k)} (${goJson(k)})`);
            for (const v of run(vAst, input)) next.push({ ...o, [k]: v });
          }
        }
        acc = next;
      }
      yield* acc;
      return;
    }
  }
}

function* call(name: string, args: Ast[], input: unknown): Generator<unknown> {
  const arity = `${name}/${args.length}`;
  const arg = (i: number): unknown => run(args[i] as Ast, input).next().value;
  switch (arity) {
    case 'empty/0': return;
    case 'not/0': yield !truthy(input); return;
    case 'length/0':
      if (input === null) yield 0;
      else if (typeof input === 'string' || Array.isArray(input)) yield [...(typeof input === 'string' ? input : input)].length;
      else if (typeof input === 'object') yield Object.keys(input as object).length;
      else if (typeof input === 'number') yield Math.abs(input);
      else throw new JqError(`length cannot be applied to: ${typeName(input)} (${goJson(input)})`);
      return;
    case 'keys/0':
      if (Array.isArray(input)) yield input.map((_, i) => i);
      else if (input && typeof input === 'object') yield Object.keys(input).sort();
      else throw new JqError(`keys cannot be applied to: ${typeName(input)}`);
      return;
    case 'values/0': if (truthy(input)) yield input; return;
    case 'type/0': yield typeName(input); return;
    case 'tojson/0': yield goJson(input); return;
    case 'tostring/0': yield typeof input === 'string' ? input : goJson(input); return;
    case 'tonumber/0':
      if (typeof input === 'number') yield input;
      else if (typeof input === 'string' && input.trim() !== '' && !Number.isNaN(Number(input))) yield Number(input);
      else throw new JqError(`tonumber cannot be applied to: ${typeName(input)} (${goJson(input)})`);
      return;
    case 'fromjson/0':
      if (typeof input !== 'string') throw new JqError(`fromjson cannot be applied to: ${typeName(input)} (${goJson(input)})`);
      try { yield JSON.parse(input); } catch (err) { throw new JqError(`${(err as Error).message} (while parsing ${JSON.stringify(input)})`); }
      return;
    case 'ascii_downcase/0': yield String(input).toLowerCase(); return;
    case 'ascii_upcase/0': yield String(input).toUpperCase(); return;
    case 'first/0': yield Array.isArray(input) ? (input[0] ?? null) : null; return;
    case 'last/0': yield Array.isArray(input) ? (input[input.length - 1] ?? null) : null; return;
    case 'first/1': { const r = run(args[0] as Ast, input).next(); if (!r.done) yield r.value; return; }
    case 'add/0': {
      if (!Array.isArray(input)) throw new JqError(`add cannot be applied to: ${typeName(input)}`);
      let acc: unknown = null;
      for (const v of input) acc = run({ k: 'bin', op: '+', a: { k: 'lit', v: acc }, b: { k: 'lit', v } }, null).next().value;
      yield acc;
      return;
    }
    case 'to_entries/0': yield Object.keys((input ?? {}) as object).sort().map((k) => ({ key: k, value: (input as Record<string, unknown>)[k] })); return;
    case 'from_entries/0': yield Object.fromEntries((input as { key?: unknown; name?: unknown; k?: unknown; value?: unknown; v?: unknown }[]).map((e) => [String(e.key ?? e.name ?? e.k), e.value ?? e.v ?? null])); return;
    case 'select/1': for (const c of run(args[0] as Ast, input)) if (truthy(c)) yield input; return;
    case 'map/1': {
      if (!Array.isArray(input) && !(input && typeof input === 'object')) throw new JqError(`cannot iterate over: ${typeName(input)}`);
      const items = Array.isArray(input) ? input : Object.keys(input as object).sort().map((k) => (input as Record<string, unknown>)[k]);
      yield items.flatMap((x) => [...run(args[0] as Ast, x)]);
      return;
    }
    case 'has/1': {
      const k = arg(0);
      yield Array.isArray(input) ? typeof k === 'number' && k >= 0 && k < input.length : Object.hasOwn((input ?? {}) as object, String(k));
      return;
    }
    case 'test/1': {
      const re = arg(0);
      if (typeof input !== 'string') throw new JqError(`test cannot be applied to: ${typeName(input)} (${goJson(input)})`);
      yield new RegExp(String(re)).test(input);
      return;
    }
    case 'startswith/1': yield typeof input === 'string' && input.startsWith(String(arg(0))); return;
    case 'endswith/1': yield typeof input === 'string' && input.endsWith(String(arg(0))); return;
    case 'ltrimstr/1': { const a = arg(0); yield typeof input === 'string' && typeof a === 'string' && input.startsWith(a) ? input.slice(a.length) : input; return; }
    case 'rtrimstr/1': { const a = arg(0); yield typeof input === 'string' && typeof a === 'string' && a !== '' && input.endsWith(a) ? input.slice(0, -a.length) : input; return; }
    case 'sort/0': if (!Array.isArray(input)) throw new JqError(`sort cannot be applied to: ${typeName(input)}`); yield [...input].sort(cmpValues); return;
    case 'unique/0': if (!Array.isArray(input)) throw new JqError(`unique cannot be applied to: ${typeName(input)}`); yield [...input].sort(cmpValues).filter((x, i, a) => i === 0 || cmpValues(a[i - 1], x) !== 0); return;
    case 'reverse/0': yield Array.isArray(input) ? [...input].reverse() : typeof input === 'string' ? [...input].reverse().join('') : input === null ? [] : input; return;
    case 'min/0': yield Array.isArray(input) && input.length > 0 ? [...input].sort(cmpValues)[0] : null; return;
    case 'max/0': yield Array.isArray(input) && input.length > 0 ? [...input].sort(cmpValues).at(-1) : null; return;
    case 'any/0': yield Array.isArray(input) && input.some(truthy); return;
    case 'all/0': yield Array.isArray(input) && input.every(truthy); return;
    case 'flatten/0': yield Array.isArray(input) ? input.flat(Infinity) : input; return;
    case 'join/1': yield (input as unknown[]).map((x) => (x === null ? '' : typeof x === 'string' ? x : goJson(x))).join(String(arg(0))); return;
    case 'split/1': yield String(input).split(String(arg(0))); return;
    default: unsupported(`function ${arity}`);
  }
}

/** Go's jqFilter: results one per line (strings raw, others JSON), trimmed. */
export function jqFilter(json: unknown, filter: string): string {
  const ast = parse(filter);
  let out = '';
  for (const v of run(ast, json)) out += `${typeof v === 'string' ? v : goJson(v)}\n`;
  return out.trim();
}
