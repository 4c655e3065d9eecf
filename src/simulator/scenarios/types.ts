import type { ResourceType } from '../../apis/gvr.js';
import type { KubeObject } from '../../apis/kube.js';
import type { Fault } from '../controller/context.js';

/** A named seed: objects to create before the simulated Fleet starts, and faults to inject. */
export interface Scenario {
  readonly objects: { readonly type: ResourceType; readonly object: KubeObject }[];
  readonly faults: readonly Fault[];
}
