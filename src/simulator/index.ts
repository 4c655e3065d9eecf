/**
 * The embedded default backend: a Kubernetes API emulator with Fleet's CRDs and a simulated Fleet.
 * (Placeholder: filled in by the emulator and simulated-Fleet work.)
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';

export interface SimulationOptions {
  readonly port: number;
  readonly host: string;
  readonly scenario: 'demo' | 'empty' | 'scale';
  readonly fixture?: string | undefined;
  readonly cleanup: 'prompt' | 'legacy';
  readonly speed: number;
  readonly scaleClusters: number;
  readonly scaleBundles: number;
  readonly logger: Logger;
  /** Defaults to a SystemClock running at `speed`. */
  readonly clock?: Clock;
}

export interface Simulation {
  /** Base URL of the API emulator, e.g. `http://127.0.0.1:6443`. */
  readonly url: string;
  /** A bearer token the emulator accepts. */
  readonly token: string;
  /** A client-node KubeConfig pointing at the emulator with that token. */
  readonly kubeConfig: KubeConfig;
  writeKubeconfig(file: string): Promise<void>;
  stop(): Promise<void>;
}

export function startSimulation(_opts: SimulationOptions): Promise<Simulation> {
  return Promise.reject(new Error('the simulator is not built yet'));
}
