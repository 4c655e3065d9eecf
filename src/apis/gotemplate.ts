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
 */

/** A template failed to parse or to execute. `phase` tells which, as Fleet's messages do. */
export class GoTemplateError extends Error {
  constructor(
    readonly phase: 'parse' | 'execute',
    message: string,
  ) {
    super(message);
    this.name = 'GoTemplateError';
  }
}

type Value = unknown;

interface Pos {
  readonly line: number;
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipe; pos: Pos }
  | { kind: 'if' | 'with'; pipe: Pipe; then: Node[]; else: Node[]; pos: Pos }
  | { kind: 'range'; pipe: Pipe; body: Node[]; else: Node[]; pos: Pos };

interface Pipe {
  readonly decl: readonly string[];
  readonly cmds: readonly Operand[][];
  readonly text: string;
}

type Operand =
  /** `base` is `dot`, or a variable name such as `$` or `$x`. */
  | { kind: 'field'; base: string; path: readonly string[]; text: string }
  | { kind: 'lit'; value: Value }
  | { kind: 'fn'; name: string }
  | { kind: 'sub'; pipe: Pipe; path: readonly string[] };

const LEFT = '${';
const RIGHT = '}';

// ---- lexing actions -----------------------------------------------------------------------------

interface RawAction {
  readonly body: string;
  readonly line: number;
}

type Piece = { text: string } | RawAction;

/** Splits the source into text and action bodies, applying the trim markers. */
function split(src: string): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  let line = 1;
  let trimNext = false;
  while (i < src.length) {
    const at = src.indexOf(LEFT, i);
    let text = at < 0 ? src.slice(i) : src.slice(i, at);
    if (trimNext) text = text.replace(/^\s+/, '');
    trimNext = false;
    if (at < 0) {
      out.push({ text });
      break;
    }
    let j = at + LEFT.length;
    // `${- ` trims the text before; the marker needs a space after it (else `${-3}` is a number).
    if (src[j] === '-' && /\s/.test(src[j + 1] ?? '')) {
      text = text.replace(/\s+$/, '');
      j += 2;
    }
    out.push({ text });
    line += (src.slice(i, at).match(/\n/g) ?? []).length;
    const start = j;
    // Find the closing delimiter outside string literals.
    let quote: string | undefined;
    for (; j < src.length; j++) {
      const c = src[j]!;
      if (quote) {
        if (c === '\\' && quote === '"') j++;
        else if (c === quote) quote = undefined;
        continue;
      }
      if (c === '"' || c === '`' || c === "'") quote = c;
      else if (src.startsWith(RIGHT, j)) break;
    }
    if (j >= src.length) throw new GoTemplateError('parse', `template: values:${line}: unclosed action`);
    let body = src.slice(start, j);
    if (/\s-$/.test(body)) {
      body = body.slice(0, -2);
      trimNext = true;
    }
    out.push({ body, line });
    line += (src.slice(at, j).match(/\n/g) ?? []).length;
    i = j + RIGHT.length;
  }
  return out;
}

interface Token {
  readonly t: 'field' | 'var' | 'ident' | 'str' | 'num' | 'pipe' | 'lp' | 'rp' | 'decl' | 'comma';
  readonly v: string;
}

const SINGLE: Partial<Record<string, Token['t']>> = { '|': 'pipe', '(': 'lp', ')': 'rp', ',': 'comma' };

function tokenize(body: string, line: number): Token[] {
  const out: Token[] = [];
  const fail = (why: string): never => {
    throw new GoTemplateError('parse', `template: values:${line}: ${why}`);
  };
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = body.slice(i);
    let m: RegExpMatchArray | null;
    const single = SINGLE[c];
    if (single) {
      out.push({ t: single, v: c });
      i++;
    } else if (rest.startsWith(':=') || (c === '=' && rest[1] !== '=')) {
      const n = rest.startsWith(':=') ? 2 : 1;
      out.push({ t: 'decl', v: rest.slice(0, n) });
      i += n;
    } else if (c === '"') {
      m = rest.match(/^"(?:[^"\\\n]|\\.)*"/);
      if (!m) fail('unterminated quoted string');
      out.push({ t: 'str', v: JSON.parse(m![0]) as string });
      i += m![0].length;
    } else if (c === '`') {
      const end = body.indexOf('`', i + 1);
      if (end < 0) fail('unterminated raw quoted string');
      out.push({ t: 'str', v: body.slice(i + 1, end) });
      i = end + 1;
    } else if ((m = rest.match(/^(?:\.[A-Za-z_][A-Za-z0-9_]*)+/))) {
      out.push({ t: 'field', v: m[0] });
      i += m[0].length;
    } else if (c === '.') {
      out.push({ t: 'field', v: '.' });
      i++;
    } else if ((m = rest.match(/^\$[A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/))) {
      out.push({ t: 'var', v: m[0] });
      i += m[0].length;
    } else if ((m = rest.match(/^[-+]?(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)/))) {
      out.push({ t: 'num', v: m[0] });
      i += m[0].length;
    } else if ((m = rest.match(/^[A-Za-z_][A-Za-z0-9_]*/))) {
      out.push({ t: 'ident', v: m[0] });
      i += m[0].length;
    } else fail(`unexpected "${c}" in command`);
  }
  return out;
}

// ---- parsing ------------------------------------------------------------------------------------

class Parser {
  private readonly pieces: Piece[];
  private at = 0;
  private readonly vars: string[][] = [['$']];

  constructor(src: string) {
    this.pieces = split(src);
  }

  parse(): Node[] {
    const { nodes, end } = this.list();
    if (end) this.fail(end.line, `unexpected {{${end.word}}}`);
    return nodes;
  }

  private fail(line: number, why: string): never {
    throw new GoTemplateError('parse', `template: values:${line}: ${why}`);
  }

  /** Nodes up to an `else`/`end` (returned) or the end of input. */
  private list(): { nodes: Node[]; end?: { word: string; rest: Token[]; line: number } } {
    const nodes: Node[] = [];
    while (this.at < this.pieces.length) {
      const p = this.pieces[this.at++]!;
      if ('text' in p) {
        if (p.text) nodes.push({ kind: 'text', text: p.text });
        continue;
      }
      const trimmed = p.body.trim();
      if (trimmed.startsWith('/*')) {
        if (!trimmed.endsWith('*/')) this.fail(p.line, 'unclosed comment');
        continue;
      }
      const toks = tokenize(p.body, p.line);
      const head = toks[0];
      if (!head) this.fail(p.line, 'missing value for command');
      if (head.t === 'ident' && (head.v === 'else' || head.v === 'end'))
        return { nodes, end: { word: head.v, rest: toks.slice(1), line: p.line } };
      if (head.t === 'ident' && (head.v === 'if' || head.v === 'with' || head.v === 'range')) {
        nodes.push(this.control(head.v, toks.slice(1), p.line));
        continue;
      }
      if (head.t === 'ident' && ['define', 'template', 'block', 'break', 'continue'].includes(head.v))
        this.fail(p.line, `{{${head.v}}} is not supported here`);
      nodes.push({ kind: 'action', pipe: this.pipe(toks, p.line, false), pos: { line: p.line } });
    }
    return { nodes };
  }

  private control(word: 'if' | 'with' | 'range', toks: Token[], line: number): Node {
    this.vars.push([]);
    const pipe = this.pipe(toks, line, word === 'range');
    const body = this.list();
    let elseNodes: Node[] = [];
    if (!body.end) this.fail(line, `unexpected EOF`);
    if (body.end.word === 'else') {
      // `else if …` / `else with …` nest a new control inside the else branch.
      const next = body.end.rest[0];
      if (next?.t === 'ident' && (next.v === 'if' || next.v === 'with') && word !== 'range') {
        this.vars.pop();
        this.vars.push([]);
        // The nested control's `end` closes this one too.
        elseNodes = [this.control(next.v, body.end.rest.slice(1), body.end.line)];
        this.vars.pop();
        return { kind: word, pipe, then: body.nodes, else: elseNodes, pos: { line } };
      }
      const rest = this.list();
      if (!rest.end || rest.end.word !== 'end') this.fail(line, 'expected end; found EOF');
      elseNodes = rest.nodes;
    }
    this.vars.pop();
    return word === 'range'
      ? { kind: 'range', pipe, body: body.nodes, else: elseNodes, pos: { line } }
      : { kind: word, pipe, then: body.nodes, else: elseNodes, pos: { line } };
  }

  private declared(name: string): boolean {
    return this.vars.some((scope) => scope.includes(name));
  }

  private pipe(toks: Token[], line: number, allowTwo: boolean): Pipe {
    const text = toks.map((t) => (t.t === 'str' ? JSON.stringify(t.v) : t.v)).join(' ');
    let decl: string[] = [];
    // `$x :=` or, in range, `$k, $v :=`.
    const declAt = toks.findIndex((t) => t.t === 'decl');
    if (declAt > 0) {
      const names = toks.slice(0, declAt).filter((t) => t.t !== 'comma');
      if (names.some((t) => t.t !== 'var') || names.length > (allowTwo ? 2 : 1))
        this.fail(line, 'too many declarations');
      decl = names.map((t) => t.v);
      toks = toks.slice(declAt + 1);
      const scope = this.vars[this.vars.length - 1]!;
      scope.push(...decl);
    }
    const pos = { i: 0 };
    const cmds = this.commands(toks, pos, line);
    if (pos.i < toks.length) this.fail(line, `unexpected "${toks[pos.i]!.v}" in operand`);
    if (cmds.length === 0) this.fail(line, 'missing value for command');
    return { decl, cmds, text };
  }

  private commands(toks: Token[], pos: { i: number }, line: number): Operand[][] {
    const cmds: Operand[][] = [];
    let cur: Operand[] = [];
    while (pos.i < toks.length) {
      const t = toks[pos.i]!;
      if (t.t === 'rp') break;
      pos.i++;
      if (t.t === 'pipe') {
        if (cur.length === 0) this.fail(line, 'missing command');
        cmds.push(cur);
        cur = [];
        continue;
      }
      cur.push(this.operand(t, toks, pos, line));
    }
    if (cur.length > 0) cmds.push(cur);
    return cmds;
  }

  private operand(t: Token, toks: Token[], pos: { i: number }, line: number): Operand {
    switch (t.t) {
      case 'field':
        return { kind: 'field', base: 'dot', path: t.v === '.' ? [] : t.v.slice(1).split('.'), text: t.v };
      case 'var': {
        const [name, ...path] = t.v.split('.');
        if (!this.declared(name!)) this.fail(line, `undefined variable "${name}"`);
        return { kind: 'field', base: name!, path, text: t.v };
      }
      case 'str':
        return { kind: 'lit', value: t.v };
      case 'num':
        return { kind: 'lit', value: Number(t.v) };
      case 'ident':
        if (t.v === 'true' || t.v === 'false') return { kind: 'lit', value: t.v === 'true' };
        if (t.v === 'nil') return { kind: 'lit', value: null };
        if (!(t.v in FUNCS)) this.fail(line, `function "${t.v}" not defined`);
        return { kind: 'fn', name: t.v };
      case 'lp': {
        const cmds = this.commands(toks, pos, line);
        if (toks[pos.i]?.t !== 'rp') this.fail(line, 'unclosed left paren');
        pos.i++;
        let path: string[] = [];
        const next = toks[pos.i];
        if (next?.t === 'field' && next.v !== '.') {
          path = next.v.slice(1).split('.');
          pos.i++;
        }
        return { kind: 'sub', pipe: { decl: [], cmds, text: '(…)' }, path };
      }
      default:
        return this.fail(line, `unexpected "${t.v}" in operand`);
    }
  }
}

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
  const nodes = new Parser(src).parse();
  return (data) => new Exec(data).run(nodes, data);
}

/** Parses and executes `src` against `data`, with Fleet's `${ }` delimiters and missingkey=error. */
export function renderGoTemplate(src: string, data: Value): string {
  return parseGoTemplate(src)(data);
}
