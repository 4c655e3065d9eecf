/**
 * A subset of Go's text/template, as Fleet runs it over Helm values: delimiters `${` and `}`,
 * option `missingkey=error`, and a handful of sprig functions. Like the label-selector primitive,
 * this is a language both readings of Fleet use; what Fleet builds on it (which values, which
 * context, what an error does to the Bundle) is implemented separately by the gateway and the
 * simulator.
 *
 * Supported (the forms Fleet's own tests and documentation use, docs/fleet/targeting.md §4.8):
 * text; actions with `-` trim markers; comments; fields on `.` and on variables (`.A.B`,
 * `$v.A`); string, raw-string, number, `true`/`false`/`nil` literals; parenthesised pipelines;
 * pipelines with `|` (the value goes last); `if`/`else if`/`else`/`end`, `with`/`else`/`end`,
 * `range` over lists and maps (sorted keys) with `$v :=` or `$k, $v :=`, with `else`; variables
 * declared with `:=`. Functions: `index`, `len`, `not`, `and`, `or`, `eq`, `ne`, `print`,
 * `hasKey`, `default`, `empty`, `upper`, `lower`, `trim`, `quote`, `squote`, `join`, `list`,
 * `toJson`. Any other function is reported as not defined (Go does so at parse time); Fleet
 * knows all of sprig, so a template using another sprig function is wrongly refused here.
 *
 * Lexing and parsing are in gotemplate/parser.ts; this file holds how Go prints, compares and
 * executes values, and the functions.
 */
import {
  GoTemplateError,
  Parser,
  type Node,
  type Operand,
  type Pipe,
  type Pos,
  type Value,
} from './gotemplate/parser.js';

export { GoTemplateError } from './gotemplate/parser.js';

// ---- values as Go prints and compares them ------------------------------------------------------

function isMap(v: Value): v is Record<string, Value> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Go's `%v` for a float64 (JSON numbers decode to float64): strconv's shortest 'g' form, which
 * switches to an exponent below 1e-4 and from 1e6 (Go prints 1e+06 for 1000000.0).
 */
function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mantissa, e] = n.toExponential().split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= 6)
    return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(n);
}

/** fmt.Sprint of a decoded JSON value. */
export function goPrint(v: Value): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goPrint).join(' ')}]`;
  if (isMap(v))
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goPrint(v[k])}`)
      .join(' ')}]`;
  return typeof v === 'function' ? '<func>' : JSON.stringify(v);
}

function truth(v: Value): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

/** encoding/json, with sorted map keys and HTML-safe escapes as Go writes them. */
function goJson(v: Value): string {
  const sortKeys = (x: Value): Value =>
    Array.isArray(x)
      ? x.map(sortKeys)
      : isMap(x)
        ? Object.fromEntries(
            Object.keys(x)
              .sort()
              .map((k) => [k, sortKeys(x[k])]),
          )
        : x;
  return (JSON.stringify(sortKeys(v ?? null)) ?? 'null')
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
}

function strval(v: Value): string {
  return typeof v === 'string' ? v : goPrint(v);
}

type Fn = (args: Value[]) => Value;

function arity(name: string, args: Value[], min: number, max = min): void {
  if (args.length < min || args.length > max)
    throw new Error(`wrong number of args for ${name}: want ${min} got ${args.length}`);
}

function basicEq(a: Value, b: Value): boolean {
  if (typeof a !== typeof b) throw new Error('incompatible types for comparison');
  if (a !== null && typeof a === 'object') throw new Error('non-comparable type');
  return a === b;
}

const FUNCS: Record<string, Fn> = {
  index: (args) => {
    if (args.length < 1) throw new Error('wrong number of args for index: want at least 1 got 0');
    let cur = args[0];
    for (const k of args.slice(1)) {
      if (Array.isArray(cur)) {
        if (typeof k !== 'number' || !Number.isInteger(k))
          throw new Error('cannot index slice/array with type');
        if (k < 0 || k >= cur.length) throw new Error(`error calling index: index out of range: ${k}`);
        cur = cur[k];
      } else if (isMap(cur)) {
        if (typeof k !== 'string') throw new Error('value has type; should be string');
        // index returns the zero value for a missing key: missingkey=error does not apply.
        cur = Object.hasOwn(cur, k) ? cur[k] : null;
      } else if (cur === null || cur === undefined) {
        throw new Error('error calling index: index of untyped nil');
      } else throw new Error(`error calling index: can't index item of type ${typeof cur}`);
    }
    return cur;
  },
  len: (args) => {
    arity('len', args, 1);
    const v = args[0];
    if (typeof v === 'string') return Buffer.byteLength(v);
    if (Array.isArray(v)) return v.length;
    if (isMap(v)) return Object.keys(v).length;
    throw new Error('error calling len: len of type');
  },
  not: (args) => {
    arity('not', args, 1);
    return !truth(args[0]);
  },
  and: (args) => {
    if (args.length < 1) throw new Error('wrong number of args for and');
    for (const a of args) if (!truth(a)) return a;
    return args[args.length - 1];
  },
  or: (args) => {
    if (args.length < 1) throw new Error('wrong number of args for or');
    for (const a of args) if (truth(a)) return a;
    return args[args.length - 1];
  },
  eq: (args) => {
    if (args.length < 2) throw new Error('missing argument for comparison');
    return args.slice(1).some((b) => basicEq(args[0], b));
  },
  ne: (args) => {
    arity('ne', args, 2);
    return !basicEq(args[0], args[1]);
  },
  print: (args) => {
    // fmt.Sprint: spaces only between operands when neither is a string.
    let out = '';
    args.forEach((a, i) => {
      if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
      out += goPrint(a);
    });
    return out;
  },
  hasKey: (args) => {
    arity('hasKey', args, 2);
    if (!isMap(args[0])) throw new Error('error calling hasKey: wrong type for value');
    return Object.hasOwn(args[0], strval(args[1]));
  },
  default: (args) => {
    if (args.length < 1 || args.length > 2) throw new Error('wrong number of args for default');
    return args.length === 2 && truth(args[1]) ? args[1] : args[0];
  },
  empty: (args) => {
    arity('empty', args, 1);
    return !truth(args[0]);
  },
  upper: (args) => {
    arity('upper', args, 1);
    return strval(args[0]).toUpperCase();
  },
  lower: (args) => {
    arity('lower', args, 1);
    return strval(args[0]).toLowerCase();
  },
  trim: (args) => {
    arity('trim', args, 1);
    return strval(args[0]).trim();
  },
  quote: (args) =>
    args
      .filter((a) => a !== null && a !== undefined)
      .map((a) => JSON.stringify(strval(a)))
      .join(' '),
  squote: (args) =>
    args
      .filter((a) => a !== null && a !== undefined)
      .map((a) => `'${strval(a)}'`)
      .join(' '),
  join: (args) => {
    arity('join', args, 2);
    const list = args[1];
    const items = Array.isArray(list) ? list : [list];
    return items
      .filter((x) => x !== null && x !== undefined)
      .map(strval)
      .join(strval(args[0]));
  },
  list: (args) => [...args],
  toJson: (args) => {
    arity('toJson', args, 1);
    return goJson(args[0]);
  },
};

// ---- execution ----------------------------------------------------------------------------------

class Exec {
  private out = '';
  private readonly scopes: Map<string, Value>[];

  constructor(root: Value) {
    this.scopes = [new Map([['$', root]])];
  }

  run(nodes: readonly Node[], dot: Value): string {
    this.walk(nodes, dot);
    return this.out;
  }

  private fail(pos: Pos, at: string, why: string): never {
    throw new GoTemplateError(
      'execute',
      `template: values:${pos.line}: executing "values" at <${at}>: ${why}`,
    );
  }

  private lookup(name: string): Value {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const s = this.scopes[i]!;
      if (s.has(name)) return s.get(name);
    }
    return undefined;
  }

  private declare(names: readonly string[], values: readonly Value[]): void {
    const s = this.scopes[this.scopes.length - 1]!;
    names.forEach((n, i) => s.set(n, values[i]));
  }

  private walk(nodes: readonly Node[], dot: Value): void {
    for (const n of nodes) {
      switch (n.kind) {
        case 'text':
          this.out += n.text;
          break;
        case 'action': {
          const v = this.pipe(n.pipe, dot, n.pos);
          // An action that declares a variable prints nothing.
          if (n.pipe.decl.length === 0) this.out += v === null || v === undefined ? '<no value>' : goPrint(v);
          break;
        }
        case 'if':
        case 'with': {
          this.scopes.push(new Map());
          const v = this.pipe(n.pipe, dot, n.pos);
          if (truth(v)) this.walk(n.then, n.kind === 'with' ? v : dot);
          else this.walk(n.else, dot);
          this.scopes.pop();
          break;
        }
        case 'range': {
          this.scopes.push(new Map());
          const v = this.pipe(n.pipe, dot, n.pos, true);
          const entries: [Value, Value][] = Array.isArray(v)
            ? v.map((x, i) => [i, x])
            : isMap(v)
              ? Object.keys(v)
                  .sort()
                  .map((k) => [k, v[k]])
              : v === null || v === undefined
                ? []
                : this.fail(n.pos, n.pipe.text, `range can't iterate over ${goPrint(v)}`);
          if (entries.length === 0) this.walk(n.else, dot);
          for (const [k, x] of entries) {
            if (n.pipe.decl.length === 1) this.declare(n.pipe.decl, [x]);
            if (n.pipe.decl.length === 2) this.declare(n.pipe.decl, [k, x]);
            this.walk(n.body, x);
          }
          this.scopes.pop();
          break;
        }
      }
    }
  }

  private pipe(p: Pipe, dot: Value, pos: Pos, inRange = false): Value {
    let v: Value = undefined;
    let has = false;
    for (const cmd of p.cmds) {
      v = this.command(cmd, dot, pos, has ? [v] : []);
      has = true;
    }
    if (p.decl.length > 0 && !inRange) this.declare(p.decl, [v]);
    return v;
  }

  private command(cmd: readonly Operand[], dot: Value, pos: Pos, piped: Value[]): Value {
    const [head, ...rest] = cmd;
    if (!head) return this.fail(pos, '', 'empty command');
    if (head.kind === 'fn') {
      const args = [...rest.map((o) => this.operand(o, dot, pos)), ...piped];
      try {
        return FUNCS[head.name]!(args);
      } catch (e) {
        return this.fail(pos, head.name, `error calling ${head.name}: ${(e as Error).message}`);
      }
    }
    if (rest.length > 0 || piped.length > 0) {
      const at = head.kind === 'field' ? head.text : '';
      return this.fail(pos, at, `can't give argument to non-function ${at}`);
    }
    return this.operand(head, dot, pos);
  }

  private operand(o: Operand, dot: Value, pos: Pos): Value {
    switch (o.kind) {
      case 'lit':
        return o.value;
      case 'fn':
        return this.command([o], dot, pos, []);
      case 'sub':
        return this.fields(this.pipe(o.pipe, dot, pos), o.path, pos, '(…)');
      case 'field': {
        const base = o.base === 'dot' ? dot : this.lookup(o.base);
        return this.fields(base, o.path, pos, o.text);
      }
    }
  }

  /** Field chain with missingkey=error: a missing map key, or a field of a non-map, fails. */
  private fields(base: Value, path: readonly string[], pos: Pos, text: string): Value {
    let cur = base;
    for (const k of path) {
      if (isMap(cur)) {
        if (!Object.hasOwn(cur, k)) this.fail(pos, text, `map has no entry for key "${k}"`);
        cur = cur[k];
      } else if (cur === null || cur === undefined) {
        this.fail(pos, text, `nil pointer evaluating interface {}.${k}`);
      } else this.fail(pos, text, `can't evaluate field ${k} in type ${goTypeName(cur)}`);
    }
    return cur;
  }
}

function goTypeName(v: Value): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  return 'interface {}';
}

/** Parses a template; throws GoTemplateError('parse') on a syntax error or an unknown function. */
export function parseGoTemplate(src: string): (data: Value) => string {
  const nodes = new Parser(src, (fn) => fn in FUNCS).parse();
  return (data) => new Exec(data).run(nodes, data);
}

/** Parses and executes `src` against `data`, with Fleet's `${ }` delimiters and missingkey=error. */
export function renderGoTemplate(src: string, data: Value): string {
  return parseGoTemplate(src)(data);
}
