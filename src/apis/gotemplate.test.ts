/** The Go text/template subset (delimiters `${ }`, missingkey=error), one row per language rule. */
import { describe, expect, it } from 'vitest';
import { GoTemplateError, renderGoTemplate } from './gotemplate.js';

const data = { A: { B: 'b', N: 1000000, F: 0.5, L: ['x', 'y'], E: '' }, M: { k2: 2, k1: 1 } };

const rows: { rule: string; src: string; want: string }[] = [
  { rule: 'text outside actions is copied', src: 'a {b} $c', want: 'a {b} $c' },
  { rule: 'field chain on dot', src: '${ .A.B }', want: 'b' },
  { rule: 'float64 printed as Go %v does', src: '${ .A.N } ${ .A.F }', want: '1e+06 0.5' },
  { rule: 'trim markers eat the whitespace beside them', src: 'a  ${- .A.B -}  c', want: 'abc' },
  { rule: 'comments print nothing', src: 'a${/* note */}b', want: 'ab' },
  { rule: 'if / else if / else', src: '${ if .A.E }1${ else if .A.B }2${ else }3${ end }', want: '2' },
  { rule: 'with rebinds dot', src: '${ with .A }${ .B }${ end }', want: 'b' },
  {
    rule: 'range over a map visits sorted keys',
    src: '${ range $k, $v := .M }${ $k }=${ $v };${ end }',
    want: 'k1=1;k2=2;',
  },
  {
    rule: 'range over a list, else when empty',
    src: '${ range .A.L }[${ . }]${ else }none${ end }',
    want: '[x][y]',
  },
  { rule: 'variables and $ (the root)', src: '${ $x := .A.B }${ $x }${ $.A.B }', want: 'bb' },
  { rule: 'pipelines pass the value last', src: '${ .A.L | join "-" | upper | quote }', want: '"X-Y"' },
  { rule: 'parenthesised pipeline', src: '${ (index .M "k1") }', want: '1' },
  { rule: 'index of a missing key is nil, not an error', src: '${ index .M "zz" }', want: '<no value>' },
  {
    rule: 'default, eq, and/or/not',
    src: '${ default "d" .A.E } ${ eq .A.B "b" } ${ not .A.E }',
    want: 'd true true',
  },
  { rule: 'toJson sorts keys', src: '${ toJson .M }', want: '{"k1":1,"k2":2}' },
];

describe('renderGoTemplate', () => {
  it.each(rows)('$rule', ({ src, want }) => {
    expect(renderGoTemplate(src, data)).toBe(want);
  });

  const errors: { rule: string; src: string; phase: 'parse' | 'execute'; message: RegExp }[] = [
    { rule: 'missingkey=error', src: '${ .A.Z }', phase: 'execute', message: /map has no entry for key "Z"/ },
    {
      rule: 'field of a string',
      src: '${ .A.B.C }',
      phase: 'execute',
      message: /can't evaluate field C in type string/,
    },
    { rule: 'unknown function', src: '${ nope 1 }', phase: 'parse', message: /function "nope" not defined/ },
    { rule: 'undefined variable', src: '${ $x }', phase: 'parse', message: /undefined variable "\$x"/ },
    { rule: 'unclosed action', src: 'a ${ .A.B', phase: 'parse', message: /unclosed action/ },
    { rule: 'if without end', src: '${ if .A.B }x', phase: 'parse', message: /EOF/ },
    { rule: 'index out of range', src: '${ index .A.L 5 }', phase: 'execute', message: /out of range/ },
  ];
  it.each(errors)('$rule fails ($phase)', ({ src, phase, message }) => {
    let err: unknown;
    try {
      renderGoTemplate(src, data);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GoTemplateError);
    expect((err as GoTemplateError).phase).toBe(phase);
    expect((err as Error).message).toMatch(message);
  });
});
