/**
 * Kubernetes label selectors in the schema: typed inputs (matchLabels as a list of key/value pairs,
 * matchExpressions with an operator enum) and the same shape as output. Input is validated with the
 * shared selector primitive, so a selector Kubernetes would reject is an INVALID_SELECTOR error with
 * the path of each problem, never a silent empty answer.
 */
import type { LabelSelector, LabelSelectorRequirement, SelectorOperator } from '../../../apis/selector.js';
import { compileLabelSelector, InvalidSelectorError } from '../../../apis/selector.js';
import { ErrorCode, FleetGraphError, type FieldProblem } from '../../../shared/errors.js';
import { builder } from '../builder.js';
import { LabelRef, labelList } from './meta.js';

export const SelectorOperatorEnum = builder.enumType('SelectorOperator', {
  description: 'How a label selector requirement compares a label with its values.',
  values: {
    IN: { value: 'In', description: 'The label is present and its value is one of `values`.' },
    NOT_IN: { value: 'NotIn', description: 'The label is absent, or its value is none of `values`.' },
    EXISTS: { value: 'Exists', description: 'The label is present (no `values`).' },
    DOES_NOT_EXIST: { value: 'DoesNotExist', description: 'The label is absent (no `values`).' },
  } as const,
});

export const LabelInput = builder.inputType('LabelInput', {
  description:
    'One label, key and value; in a selector, a label the object must carry with exactly this value.',
  fields: (t) => ({
    key: t.string({ required: true, description: 'Label key, e.g. `env` or `example.com/team`.' }),
    value: t.string({ required: true, description: 'The value; may be empty.' }),
  }),
});

export const LabelSelectorRequirementInput = builder.inputType('LabelSelectorRequirementInput', {
  description: 'One `matchExpressions` entry.',
  fields: (t) => ({
    key: t.string({ required: true, description: 'Label key the requirement is about.' }),
    operator: t.field({ type: SelectorOperatorEnum, required: true, description: 'How to compare.' }),
    values: t.stringList({
      required: false,
      description: 'Values for IN and NOT_IN (at least one); must be empty for EXISTS and DOES_NOT_EXIST.',
    }),
  }),
});

export const LabelSelectorInput = builder.inputType('LabelSelectorInput', {
  description: 'A Kubernetes label selector. All entries must hold; an empty selector matches everything.',
  fields: (t) => ({
    matchLabels: t.field({
      type: [LabelInput],
      required: false,
      description: 'Labels that must be present with exactly these values.',
    }),
    matchExpressions: t.field({
      type: [LabelSelectorRequirementInput],
      required: false,
      description: 'Requirements on labels.',
    }),
  }),
});

export interface LabelSelectorInputShape {
  readonly matchLabels?: readonly { key: string; value: string }[] | null | undefined;
  readonly matchExpressions?:
    | readonly { key: string; operator: SelectorOperator; values?: readonly string[] | null | undefined }[]
    | null
    | undefined;
}

/**
 * Turns the typed input into Kubernetes' shape and validates it. `path` prefixes the field of each
 * problem (e.g. `targets[1].clusterSelector`).
 */
export function selectorFromInput(input: LabelSelectorInputShape, path: string): LabelSelector {
  const problems: FieldProblem[] = [];
  const matchLabels: Record<string, string> = {};
  (input.matchLabels ?? []).forEach((l, i) => {
    if (Object.prototype.hasOwnProperty.call(matchLabels, l.key) && matchLabels[l.key] !== l.value) {
      problems.push({
        field: `${path}.matchLabels[${i}]`,
        message: `key "${l.key}" is given twice with different values`,
      });
    }
    matchLabels[l.key] = l.value;
  });
  const matchExpressions: LabelSelectorRequirement[] = (input.matchExpressions ?? []).map((e) => ({
    key: e.key,
    operator: e.operator,
    ...(e.values ? { values: [...e.values] } : {}),
  }));
  const selector: LabelSelector = {
    ...(input.matchLabels ? { matchLabels } : {}),
    ...(input.matchExpressions ? { matchExpressions } : {}),
  };
  try {
    compileLabelSelector(selector, path);
  } catch (e) {
    if (!(e instanceof InvalidSelectorError)) throw e;
    problems.push(...e.problems);
  }
  if (problems.length > 0) {
    throw new FleetGraphError(
      ErrorCode.INVALID_SELECTOR,
      `invalid label selector: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
      { problems },
    );
  }
  return selector;
}

/** The string form (`env=prod,team in (a,b)`) the read model's filters take; undefined when absent. */
export function selectorString(
  input: LabelSelectorInputShape | null | undefined,
  path: string,
): string | undefined {
  if (!input) return undefined;
  return compileLabelSelector(selectorFromInput(input, path)).toString();
}

export const LabelSelectorRequirementRef = builder
  .objectRef<LabelSelectorRequirement>('LabelSelectorRequirement')
  .implement({
    description: 'One `matchExpressions` entry of a label selector.',
    fields: (t) => ({
      key: t.exposeString('key', { description: 'Label key.' }),
      operator: t.string({
        description: 'The operator as written: `In`, `NotIn`, `Exists` or `DoesNotExist`.',
        resolve: (r) => r.operator,
      }),
      values: t.stringList({ description: 'Values compared against.', resolve: (r) => r.values ?? [] }),
    }),
  });

export const LabelSelectorRef = builder.objectRef<Readonly<LabelSelector>>('LabelSelector').implement({
  description: 'A Kubernetes label selector, as stored on the Fleet object.',
  fields: (t) => ({
    matchLabels: t.field({
      type: [LabelRef],
      description: 'Labels that must be present with exactly these values.',
      resolve: (s) => labelList(s.matchLabels ?? {}),
    }),
    matchExpressions: t.field({
      type: [LabelSelectorRequirementRef],
      description: 'Requirements on labels.',
      resolve: (s) => s.matchExpressions ?? [],
    }),
    text: t.string({
      description:
        'The selector in string form (`env=prod,team in (a,b)`), or "<invalid>" if Fleet could not compile it.',
      resolve: (s) => {
        try {
          return compileLabelSelector(s).toString();
        } catch {
          return '<invalid>';
        }
      },
    }),
  }),
});
