/**
 * The front half of our Go text/template subset: the error type, the syntax tree, splitting the
 * source into text and `${ }` actions, tokenizing an action and parsing the whole into nodes with
 * Go's parse-time errors. Executing the nodes is in ../gotemplate.ts.
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

export type Value = unknown;

export interface Pos {
  readonly line: number;
}

export type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipe; pos: Pos }
  | { kind: 'if' | 'with'; pipe: Pipe; then: Node[]; else: Node[]; pos: Pos }
  | { kind: 'range'; pipe: Pipe; body: Node[]; else: Node[]; pos: Pos };

export interface Pipe {
  readonly decl: readonly string[];
  readonly cmds: readonly Operand[][];
  readonly text: string;
}

export type Operand =
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

/** Parses one template into nodes; `known` says which function names exist (Go checks at parse time). */
export class Parser {
  private readonly pieces: Piece[];
  private at = 0;
  private readonly vars: string[][] = [['$']];

  constructor(
    src: string,
    private readonly known: (fn: string) => boolean,
  ) {
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
        if (!this.known(t.v)) this.fail(line, `function "${t.v}" not defined`);
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
