/**
 * Target-list equality (docs/fleet/targeting.md §4.1): two lists of target criteria are the same
 * when the gitjob would write them the same way, so a GitRepo target spelled `clusterName: ""` or
 * `matchLabels: {}` is recognised in the Bundle Fleet wrote from it. The one comparison of target
 * lists: retarget plans, "carries the GitRepo's targets" and the retarget histogram use it.
 *
 * Fleet source followed: `internal/cmd/controller/gitops/reconciler/targetsyaml.go`
 * (`newTargetsConfigMap` marshals the targets with Go's json.Marshal, omitempty).
 */
import type { TargetCriteria } from '../../../apis/fleet.js';

/**
 * A selector in the form the gitjob writes it: Go's json.Marshal drops an empty `matchLabels`,
 * `matchExpressions` or requirement `values` (omitempty) but keeps an empty selector `{}`, which
 * selects every cluster (gitops/reconciler/targetsyaml.go). Label keys are sorted because a map
 * has no order.
 */
function canonicalSelector(sel: TargetCriteria['clusterSelector']): unknown {
  if (sel === null || sel === undefined) return null;
  const labels = Object.entries(sel.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const exprs = (sel.matchExpressions ?? []).map((r) => [r.key, r.operator, r.values ?? []]);
  return [labels, exprs];
}

/** One target's criteria as Fleet would have written them: `""` strings are omitted like absent ones. */
function canonicalCriteria(t: TargetCriteria): unknown {
  return [
    t.name || null,
    t.clusterName || null,
    canonicalSelector(t.clusterSelector),
    t.clusterGroup || null,
    canonicalSelector(t.clusterGroupSelector),
  ];
}

/** Whether two target lists are the same once written by the gitjob, in order. */
export function sameCriteria(a: readonly TargetCriteria[], b: readonly TargetCriteria[]): boolean {
  const norm = (list: readonly TargetCriteria[]) => JSON.stringify(list.map(canonicalCriteria));
  return norm(a) === norm(b);
}
