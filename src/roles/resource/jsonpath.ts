/**
 * kubectl's JSONPath templates (`kubectl get … -o jsonpath=<template>`, k8s.io/client-go/util/jsonpath),
 * the subset Argo users write: literal text, `{.a.b}`, `{$.a}`, `{['a.b']}`, `{.items[0]}`, `{.items[-1]}`,
 * `{.items[1:3]}`, `{.items[*].name}`, `{..name}`, `{.items[?(@.type=="Ready")].status}`,
 * `{range .items[*]}…{end}`, `{"\n"}`. Missing keys print nothing (kubectl's --allow-missing-template-keys).
 * Several results of one action are separated by a space; maps and lists print as compact JSON.
 */
import { goJson } from './go-json.ts';

type Seg =
  | { k: 'field'; name: string }
  | { k: 'recursive'; name: string }
  | { k: 'wild' }
  | { k: 'index'; i: number }
  | { k: 'slice'; start?: number; end?: number; step?: number }
  | { k: 'filter'; left: Seg[]; op?: string; right?: Seg[] | unknown };

type Node =
  | { k: 'text'; s: string }
  | { k: 'path'; segs: Seg[] }
  | { k: 'range'; segs: Seg[]; body: Node[] };

export class JsonPathError extends Error {}

function unquote(s: string): string {
  if (s.startsWith('"')) return JSON.parse(s) as string;
  return s.slice(1, -1).replace(/\\'/g, "'");
}

function parsePath(src: string, tpl: string): Seg[] {
  let s = src.trim();
  if (s.startsWith('$')) s = s.slice(1);
  if (s.startsWith('@')) s = s.slice(1);
  const segs: Seg[] = [];
  let i = 0;
  const fail = (): never => { throw new JsonPathError(`error parsing jsonpath ${tpl}, unrecognized character in action: ${src}`); };
  while (i < s.length) {
    if (s.startsWith('..', i)) {
      i += 2;
      let j = i;
      while (j < s.length && !/[.[\s]/.test(s[j] as string)) j++;
      segs.push({ k: 'recursive', name: s.slice(i, j) });
      i = j;
    } else if (s[i] === '.') {
      i++;
      let j = i;
      while (j < s.length && !/[.[\s]/.test(s[j] as string)) j++;
      const name = s.slice(i, j);
      if (name === '*') segs.push({ k: 'wild' });
      else if (name !== '') segs.push({ k: 'field', name });
      i = j;
    } else if (s[i] === '[') {
      let depth = 0;
      let j = i;
      let quote = '';
      for (; j < s.length; j++) {
        const c = s[j] as string;
        if (quote) { if (c === '\\') j++; else if (c === quote) quote = ''; continue; }
        if (c === '"' || c === "'") quote = c;
        else if (c === '[') depth++;
        else if (c === ']' && --depth === 0) break;
      }
      if (j >= s.length) throw new JsonPathError(`error parsing jsonpath ${tpl}, unterminated array`);
      const inner = s.slice(i + 1, j).trim();
      i = j + 1;
      if (inner === '*') segs.push({ k: 'wild' });
      else if (/^-?\d+$/.test(inner)) segs.push({ k: 'index', i: Number(inner) });
      else if (/^(-?\d*):(-?\d*)(:(-?\d*))?$/.test(inner)) {
        const [a, b, c] = inner.split(':');
        const n = (x: string | undefined): number | undefined => (x === undefined || x === '' ? undefined : Number(x));
        segs.push({ k: 'slice', start: n(a), end: n(b), step: n(c) });
      } else if (/^(['"]).*\1$/s.test(inner)) segs.push({ k: 'field', name: unquote(inner) });
      else if (inner.startsWith('?(') && inner.endsWith(')')) {
        const expr = inner.slice(2, -1).trim();
        const m = /^(@[^\s=!<>]*)\s*(==|!=|<=|>=|<|>)\s*(.+)$/.exec(expr);
        if (m) {
          const rhs = (m[3] as string).trim();
          let right: Seg[] | unknown;
          if (/^(['"]).*\1$/s.test(rhs)) right = unquote(rhs);
          else if (/^-?\d+(\.\d+)?$/.test(rhs)) right = Number(rhs);
          else if (rhs === 'true' || rhs === 'false') right = rhs === 'true';
          else if (rhs.startsWith('@') || rhs.startsWith('$')) right = parsePath(rhs, tpl);
          else fail();
          segs.push({ k: 'filter', left: parsePath(m[1] as string, tpl), op: m[2], right });
        } else if (/^@[^\s]*$/.test(expr)) segs.push({ k: 'filter', left: parsePath(expr, tpl) });
        else fail();
      } else fail();
    } else fail();
  }
  return segs;
}

function tokenize(tpl: string): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  let i = 0;
  while (i < tpl.length) {
    const open = tpl.indexOf('{', i);
    if (open < 0) { stack[stack.length - 1]!.push({ k: 'text', s: tpl.slice(i) }); break; }
    if (open > i) stack[stack.length - 1]!.push({ k: 'text', s: tpl.slice(i, open) });
    let j = open + 1;
    let quote = '';
    for (; j < tpl.length; j++) {
      const c = tpl[j] as string;
      if (quote) { if (c === '\\') j++; else if (c === quote) quote = ''; continue; }
      if (c === '"' || c === "'") quote = c;
      else if (c === '}') break;
    }
    if (j >= tpl.length) throw new JsonPathError(`error parsing jsonpath ${tpl}, unclosed action`);
    const action = tpl.slice(open + 1, j).trim();
    i = j + 1;
    const cur = stack[stack.length - 1]!;
    if (action === 'end') {
      if (stack.length === 1) throw new JsonPathError(`error parsing jsonpath ${tpl}, not in range, nothing to end`);
      stack.pop();
    } else if (action.startsWith('range ')) {
      const node: Node = { k: 'range', segs: parsePath(action.slice(6), tpl), body: [] };
      cur.push(node);
      stack.push(node.body);
    } else if (/^"(?:[^"\\]|\\.)*"$/s.test(action)) {
      cur.push({ k: 'text', s: JSON.parse(action) as string });
    } else if (action === '' || action === '.' || action === '@' || action === '$') {
      cur.push({ k: 'path', segs: [] });
    } else {
      cur.push({ k: 'path', segs: parsePath(action, tpl) });
    }
  }
  // kubectl's parser accepts a range without {end} (it renders the body to the end of the template).
  return root;
}

function compare(a: unknown, op: string, b: unknown): boolean {
  if (op === '==') return a === b || (typeof a === 'number' && typeof b === 'number' && a === b);
  if (op === '!=') return a !== b;
  if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) return false;
  const x = a as number | string;
  const y = b as number | string;
  switch (op) {
    case '<': return x < y;
    case '>': return x > y;
    case '<=': return x <= y;
    case '>=': return x >= y;
  }
  return false;
}

function walk(values: unknown[], segs: Seg[], root: unknown): unknown[] {
  let cur = values;
  for (const seg of segs) {
    const next: unknown[] = [];
    for (const v of cur) {
      switch (seg.k) {
        case 'field':
          if (v && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, seg.name)) next.push((v as Record<string, unknown>)[seg.name]);
          break;
        case 'wild':
          if (Array.isArray(v)) next.push(...v);
          else if (v && typeof v === 'object') next.push(...Object.keys(v).sort().map((k) => (v as Record<string, unknown>)[k]));
          break;
        case 'index':
          if (Array.isArray(v)) {
            const idx = seg.i < 0 ? v.length + seg.i : seg.i;
            if (idx >= 0 && idx < v.length) next.push(v[idx]);
          }
          break;
        case 'slice':
          if (Array.isArray(v)) {
            const norm = (x: number | undefined, d: number): number => (x === undefined ? d : x < 0 ? Math.max(0, v.length + x) : Math.min(x, v.length));
            const step = seg.step ?? 1;
            for (let k = norm(seg.start, 0); k < norm(seg.end, v.length); k += step > 0 ? step : 1) next.push(v[k]);
          }
          break;
        case 'recursive': {
          const visit = (x: unknown): void => {
            if (Array.isArray(x)) { for (const e of x) visit(e); return; }
            if (x && typeof x === 'object') {
              const o = x as Record<string, unknown>;
              if (seg.name === '' || seg.name === '*') next.push(x);
              else if (Object.hasOwn(o, seg.name)) next.push(o[seg.name]);
              for (const k of Object.keys(o).sort()) visit(o[k]);
            }
          };
          visit(v);
          break;
        }
        case 'filter': {
          const items = Array.isArray(v) ? v : [v];
          for (const item of items) {
            const left = walk([item], seg.left, root);
            if (seg.op === undefined) { if (left.length > 0) next.push(item); continue; }
            const right = Array.isArray(seg.right) ? walk([item], seg.right as Seg[], root) : [seg.right];
            if (left.length > 0 && right.length > 0 && compare(left[0], seg.op, right[0])) next.push(item);
          }
          break;
        }
      }
    }
    cur = next;
  }
  return cur;
}

function text(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'object') return goJson(v);
  return String(v);
}

function render(nodes: Node[], data: unknown, root: unknown): string {
  let out = '';
  for (const n of nodes) {
    if (n.k === 'text') out += n.s;
    else if (n.k === 'path') out += walk([data], n.segs, root).map(text).join(' ');
    else for (const item of walk([data], n.segs, root).flatMap((x) => (Array.isArray(x) ? x : [x]))) out += render(n.body, item, root);
  }
  return out;
}

/** Execute a kubectl JSONPath template against an object. */
export function jsonPath(template: string, obj: unknown): string {
  return render(tokenize(template), obj, obj);
}
