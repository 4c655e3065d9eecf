/**
 * The kinds that own Bundles (docs/fleet/links.md §3.1): a GitRepo labels its Bundles and their
 * BundleDeployments `fleet.cattle.io/repo-name`, a HelmOp `fleet.cattle.io/fleet-helm-name`.
 * Everything that walks from an owner to its Bundles or deployments, or back, goes through
 * {@link BUNDLE_OWNERS}, so a new owning kind is one entry here: the mapped type makes leaving it
 * out a compile error, and {@link bundleOwner} refuses a kind it does not know instead of
 * routing it to another kind's records.
 *
 * Fleet source followed: `internal/cmd/controller/gitops/reconciler/gitjob.go` (the repo-name
 * label on Bundles) and `internal/cmd/controller/helmops/reconciler/helmop_controller.go` (the
 * fleet-helm-name label); `internal/cmd/controller/target/target.go` copies the Bundle's labels to
 * its BundleDeployments.
 */
import type { BundleDeploymentRecord, BundleRecord, RecordOf, Snapshot } from '../../store/records.js';

export type BundleOwnerKind = 'GitRepo' | 'HelmOp';

export interface BundleOwner<K extends BundleOwnerKind = BundleOwnerKind> {
  readonly kind: K;
  /** The owner's name as a Bundle or BundleDeployment carries it in its label, if this kind owns it. */
  nameOn(r: BundleRecord | BundleDeploymentRecord): string | undefined;
  /** The owner record itself. */
  get(snapshot: Snapshot, namespace: string, name: string): RecordOf<K> | undefined;
  bundles(snapshot: Snapshot, namespace: string, name: string): readonly BundleRecord[];
  deployments(snapshot: Snapshot, namespace: string, name: string): readonly BundleDeploymentRecord[];
}

export const BUNDLE_OWNERS: { readonly [K in BundleOwnerKind]: BundleOwner<K> } = {
  GitRepo: {
    kind: 'GitRepo',
    nameOn: (r) => r.repoName || undefined,
    get: (s, ns, name) => s.get('GitRepo', `${ns}/${name}`),
    bundles: (s, ns, name) => s.bundlesOfGitRepo(ns, name),
    deployments: (s, ns, name) => s.deploymentsOfGitRepo(ns, name),
  },
  HelmOp: {
    kind: 'HelmOp',
    nameOn: (r) => r.helmOpName || undefined,
    get: (s, ns, name) => s.get('HelmOp', `${ns}/${name}`),
    bundles: (s, ns, name) => s.bundlesOfHelmOp(ns, name),
    deployments: (s, ns, name) => s.deploymentsOfHelmOp(ns, name),
  },
};

export const BUNDLE_OWNER_KINDS = Object.keys(BUNDLE_OWNERS) as readonly BundleOwnerKind[];

export function isBundleOwnerKind(kind: string): kind is BundleOwnerKind {
  return Object.hasOwn(BUNDLE_OWNERS, kind);
}

/** The owner rules of `kind`; throws for a kind that owns no Bundles, rather than guess one. */
export function bundleOwner<K extends BundleOwnerKind>(kind: K): BundleOwner<K>;
export function bundleOwner(kind: string): BundleOwner;
export function bundleOwner(kind: string): BundleOwner {
  if (!isBundleOwnerKind(kind)) throw new Error(`${kind} is not a kind that owns Bundles`);
  return BUNDLE_OWNERS[kind] as BundleOwner;
}

/** The owners a Bundle or BundleDeployment names in its labels, each with the owner's namespace (the Bundle's). */
export function ownersOf(
  r: BundleRecord | BundleDeploymentRecord,
): { readonly owner: BundleOwner; readonly namespace: string; readonly name: string }[] {
  const namespace = r.kind === 'Bundle' ? r.namespace : r.bundleNamespace;
  return BUNDLE_OWNER_KINDS.flatMap((kind) => {
    const owner = BUNDLE_OWNERS[kind] as BundleOwner;
    const name = owner.nameOn(r);
    return name ? [{ owner, namespace, name }] : [];
  });
}
