/**
 * YAML as Fleet writes and reads Helm values around templating (sigs.k8s.io/yaml over go-yaml
 * v2): YAML 1.1 scalars (`yes`, `on`, `n` are booleans, so such strings are quoted), map keys
 * sorted, no line folding. Quoting of unusual strings may differ from go-yaml's. Shared by both
 * readings, like the template language itself (gotemplate.ts).
 */
import { parse, stringify } from 'yaml';

export function toGoYaml(v: unknown): string {
  return stringify(v, { sortMapEntries: true, version: '1.1', lineWidth: 0 });
}

/** Throws the YAML library's error on text that is not YAML. */
export function fromGoYaml(text: string): unknown {
  return parse(text, { version: '1.1' }) as unknown;
}
