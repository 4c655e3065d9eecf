/**
 * Kubernetes label selectors: the structured form (`matchLabels` + `matchExpressions`, as in
 * `metav1.LabelSelectorAsSelector`) and the string form of the `labelSelector` query parameter
 * (`k8s.io/apimachinery/pkg/labels.Parse`). This is the one primitive the gateway and the simulator
 * share; everything Fleet builds on top of it is implemented separately on each side.
 */

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  key: string;
  /** One of {@link SelectorOperator}; anything else is rejected when compiled. */
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: LabelSelectorRequirement[] | null;
}

export type Labels = Readonly<Record<string, string>>;

/** One compiled requirement. `=`/`==` are `In` with one value, `!=` is `NotIn` with one value. */
export interface Requirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

export interface SelectorProblem {
  /** Path inside the selector, e.g. `matchExpressions[0].values`. */
  readonly field: string;
  readonly message: string;
}

export class InvalidSelectorError extends Error {
  constructor(readonly problems: readonly SelectorProblem[]) {
    super(problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; '));
    this.name = 'InvalidSelectorError';
  }
}

/** A compiled selector. An empty requirement list matches everything. */
export class Selector {
  static readonly everything = new Selector([]);

  constructor(readonly requirements: readonly Requirement[]) {}

  get empty(): boolean {
    return this.requirements.length === 0;
  }

  matches(labels: Labels | undefined | null): boolean {
    const l = labels ?? {};
    for (const r of this.requirements) {
      if (!requirementMatches(r, l)) return false;
    }
    return true;
  }

  /** The canonical string form, as `labels.Selector.String()` prints it. */
  toString(): string {
    return this.requirements.map(requirementString).join(',');
  }
}

function requirementMatches(r: Requirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.operator) {
    case 'In':
      return has && r.values.includes(labels[r.key]!);
    case 'NotIn':
      return !has || !r.values.includes(labels[r.key]!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}

function requirementString(r: Requirement): string {
  switch (r.operator) {
    case 'Exists':
      return r.key;
    case 'DoesNotExist':
      return `!${r.key}`;
    case 'In':
      return r.values.length === 1
        ? `${r.key}=${r.values[0]}`
        : `${r.key} in (${[...r.values].sort().join(',')})`;
    case 'NotIn':
      return r.values.length === 1
        ? `${r.key}!=${r.values[0]}`
        : `${r.key} notin (${[...r.values].sort().join(',')})`;
  }
}

const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Validates a label key (a qualified name: optional DNS-subdomain prefix, `/`, name ≤ 63). */
export function labelKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'key must not be empty';
  const slash = key.indexOf('/');
  const [prefix, name] = slash >= 0 ? [key.slice(0, slash), key.slice(slash + 1)] : [undefined, key];
  if (prefix !== undefined) {
    if (prefix.length === 0) return `prefix part of "${key}" must not be empty`;
    if (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))
      return `prefix part of "${key}" must be a DNS subdomain of at most 253 characters`;
  }
  if (name.length === 0) return `name part of "${key}" must not be empty`;
  if (name.length > 63) return `name part of "${key}" must be no more than 63 characters`;
  if (!NAME_PART.test(name))
    return `name part of "${key}" must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
  return undefined;
}

/** Validates a label value (empty, or ≤ 63 of `[A-Za-z0-9._-]`, alphanumeric at both ends). */
export function labelValueProblem(value: string): string | undefined {
  if (value.length === 0) return undefined;
  if (value.length > 63) return `value "${value}" must be no more than 63 characters`;
  if (!NAME_PART.test(value))
    return `value "${value}" must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
  return undefined;
}

/**
 * Compiles the structured form. `null`/`undefined` is the caller's to interpret (Kubernetes turns a
 * nil selector into "nothing"; Fleet treats a nil target selector as "no criterion"), so this only
 * accepts a present selector. `{}` compiles to a selector that matches everything.
 */
export function compileLabelSelector(sel: LabelSelector, path = ''): Selector {
  const problems: SelectorProblem[] = [];
  const reqs: Requirement[] = [];
  const at = (f: string) => (path ? `${path}.${f}` : f);
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) {
    const kp = labelKeyProblem(key);
    if (kp) problems.push({ field: at(`matchLabels`), message: kp });
    if (typeof value !== 'string') {
      problems.push({ field: at(`matchLabels.${key}`), message: 'value must be a string' });
      continue;
    }
    const vp = labelValueProblem(value);
    if (vp) problems.push({ field: at(`matchLabels.${key}`), message: vp });
    reqs.push({ key, operator: 'In', values: [value] });
  }
  (sel.matchExpressions ?? []).forEach((e, i) => {
    const f = at(`matchExpressions[${i}]`);
    const kp = labelKeyProblem(e.key ?? '');
    if (kp) problems.push({ field: `${f}.key`, message: kp });
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0)
          problems.push({
            field: `${f}.values`,
            message: `must be specified when operator is '${e.operator}'`,
          });
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0)
          problems.push({
            field: `${f}.values`,
            message: `may not be specified when operator is '${e.operator}'`,
          });
        break;
      default:
        problems.push({
          field: `${f}.operator`,
          message: `"${String(e.operator)}" is not a valid label selector operator (In, NotIn, Exists, DoesNotExist)`,
        });
        return;
    }
    values.forEach((v, j) => {
      const vp = typeof v === 'string' ? labelValueProblem(v) : 'value must be a string';
      if (vp) problems.push({ field: `${f}.values[${j}]`, message: vp });
    });
    reqs.push({ key: e.key, operator: e.operator, values: [...values] });
  });
  if (problems.length > 0) throw new InvalidSelectorError(problems);
  return new Selector(sortRequirements(reqs));
}

function sortRequirements(reqs: Requirement[]): Requirement[] {
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Parses the string form used by `?labelSelector=`: `a=b`, `a==b`, `a!=b`, `a in (x,y)`,
 * `a notin (x)`, `a`, `!a`, joined by commas. An empty string matches everything.
 */
export function parseLabelSelector(input: string): Selector {
  const problems: SelectorProblem[] = [];
  const reqs: Requirement[] = [];
  const s = input.trim();
  if (s === '') return Selector.everything;
  let i = 0;
  const peekWs = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  const readKey = (): string => {
    const start = i;
    while (i < s.length && /[A-Za-z0-9_./-]/.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  const readValue = (): string => {
    const start = i;
    while (i < s.length && /[A-Za-z0-9_.-]/.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  const fail = (message: string) => {
    problems.push({ field: '', message: `unable to parse requirement: ${message}` });
  };
  outer: while (i < s.length) {
    peekWs();
    let negate = false;
    if (s[i] === '!') {
      negate = true;
      i++;
      peekWs();
    }
    const key = readKey();
    const kp = labelKeyProblem(key);
    if (kp) {
      fail(kp);
      break;
    }
    peekWs();
    if (negate) {
      reqs.push({ key, operator: 'DoesNotExist', values: [] });
    } else if (i >= s.length || s[i] === ',') {
      reqs.push({ key, operator: 'Exists', values: [] });
    } else if (s.startsWith('==', i) || s[i] === '=' || s.startsWith('!=', i)) {
      const op: SelectorOperator = s.startsWith('!=', i) ? 'NotIn' : 'In';
      i += s.startsWith('==', i) || s.startsWith('!=', i) ? 2 : 1;
      peekWs();
      const v = readValue();
      const vp = labelValueProblem(v);
      if (vp) {
        fail(vp);
        break;
      }
      reqs.push({ key, operator: op, values: [v] });
    } else {
      const word = /^(notin|in)\b/.exec(s.slice(i));
      if (!word) {
        fail(`found '${s.slice(i, i + 10)}', expected: in, notin, =, ==, !=, or ','`);
        break;
      }
      i += word[1]!.length;
      peekWs();
      if (s[i] !== '(') {
        fail(`found '${s[i] ?? ''}', expected: '('`);
        break;
      }
      i++;
      const values: string[] = [];
      for (;;) {
        peekWs();
        const v = readValue();
        const vp = labelValueProblem(v);
        if (vp) {
          fail(vp);
          break outer;
        }
        values.push(v);
        peekWs();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === ')') {
          i++;
          break;
        }
        fail(`found '${s[i] ?? 'end of string'}', expected: ',', ')'`);
        break outer;
      }
      reqs.push({ key, operator: word[1] === 'in' ? 'In' : 'NotIn', values });
    }
    peekWs();
    if (i < s.length) {
      if (s[i] !== ',') {
        fail(`found '${s[i]}', expected: ','`);
        break;
      }
      i++;
      if (i >= s.length) {
        fail('found end of string, expected: identifier');
        break;
      }
    }
  }
  if (problems.length > 0) throw new InvalidSelectorError(problems);
  return new Selector(sortRequirements(reqs));
}
