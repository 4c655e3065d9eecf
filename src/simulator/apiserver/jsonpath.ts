/**
 * The small JSONPath subset CRD printer columns use (`additionalPrinterColumns[].jsonPath`):
 * `.a.b`, `.a[0]`, `.a[*]`, `.a[?(@.type=="Ready")].message`, with an optional `{…}` wrapper.
 * It returns every match, as k8s.io/client-go/util/jsonpath does.
 */
import { isObject } from './types.js';

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'all' }
  | { kind: 'filter'; path: string[]; op: '==' | '!='; value: string };

const cache = new Map<string, Step[]>();

export function parseJsonPath(expr: string): Step[] {
  const hit = cache.get(expr);
  if (hit) return hit;
  let s = expr.trim();
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1);
  if (s.startsWith('$')) s = s.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '.') {
      i++;
      const m = /^[A-Za-z0-9_\-$@/]+/.exec(s.slice(i));
      if (!m) {
        if (s[i] === '[') continue;
        throw new Error(`invalid JSONPath ${expr}`);
      }
      steps.push({ kind: 'field', name: m[0] });
      i += m[0].length;
    } else if (c === '[') {
      const end = s.indexOf(']', i);
      if (end < 0) throw new Error(`invalid JSONPath ${expr}`);
      const inner = s.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === '*') steps.push({ kind: 'all' });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ kind: 'field', name: inner.slice(1, -1) });
      else {
        const m = /^\?\(@((?:\.[A-Za-z0-9_\-/]+)+)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)'|([^)\s]+))\s*\)$/.exec(
          inner,
        );
        if (!m) throw new Error(`unsupported JSONPath filter ${inner}`);
        steps.push({
          kind: 'filter',
          path: m[1]!.slice(1).split('.'),
          op: m[2] as '==' | '!=',
          value: m[3] ?? m[4] ?? m[5] ?? '',
        });
      }
    } else {
      const m = /^[A-Za-z0-9_\-$@/]+/.exec(s.slice(i));
      if (!m) throw new Error(`invalid JSONPath ${expr}`);
      steps.push({ kind: 'field', name: m[0] });
      i += m[0].length;
    }
  }
  cache.set(expr, steps);
  return steps;
}

function get(v: unknown, path: string[]): unknown {
  let cur = v;
  for (const p of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

/** All values the expression selects in `root`. */
export function evalJsonPath(root: unknown, expr: string): unknown[] {
  let cur: unknown[] = [root];
  for (const step of parseJsonPath(expr)) {
    const next: unknown[] = [];
    for (const v of cur) {
      switch (step.kind) {
        case 'field':
          if (isObject(v) && v[step.name] !== undefined) next.push(v[step.name]);
          break;
        case 'index':
          if (Array.isArray(v)) {
            const item: unknown = v[step.index < 0 ? v.length + step.index : step.index];
            if (item !== undefined) next.push(item);
          }
          break;
        case 'all':
          if (Array.isArray(v)) next.push(...(v as unknown[]));
          else if (isObject(v)) next.push(...Object.values(v));
          break;
        case 'filter':
          if (Array.isArray(v))
            for (const item of v as unknown[]) {
              const got = get(item, step.path);
              const eq =
                got !== undefined && (typeof got === 'string' ? got : JSON.stringify(got)) === step.value;
              if (step.op === '==' ? eq : got !== undefined && !eq) next.push(item);
            }
          break;
      }
    }
    cur = next;
  }
  return cur;
}
