/**
 * A store stand-in for unit tests of the live engines: records, a change feed with explicit
 * resourceVersions observed on a ManualClock, and a sync flag. Listeners run synchronously, as
 * the real store calls them inside its apply.
 */
import type { ManualClock } from '../../src/shared/clock.js';
import type { ChangeEvent } from '../../src/gateway/store/store.js';
import type { FleetRecord, RecordKind } from '../../src/gateway/store/records.js';
import { snapshotOf } from './fleet-builders.js';

export class FakeStore {
  readonly records = new Map<string, FleetRecord>();
  private readonly listeners = new Set<(e: ChangeEvent) => void>();
  synced = false;
  revision = 0;
  constructor(readonly clock: ManualClock) {}
  subscribe(l: (e: ChangeEvent) => void) {
    this.listeners.add(l);
    return () => void this.listeners.delete(l);
  }
  snapshot() {
    return snapshotOf([...this.records.values()], { revision: this.revision });
  }
  syncState() {
    const s = { synced: this.synced };
    return { BundleDeployment: s } as unknown as Record<RecordKind, { synced: boolean }>;
  }
  put(r: FleetRecord, rv: number, viaRelist = false) {
    const id = `${r.kind}|${r.key}`;
    const before = this.records.get(id);
    this.records.set(id, r);
    this.emit(
      { kind: r.kind, type: before ? 'MODIFIED' : 'ADDED', key: r.key, before, after: r },
      rv,
      viaRelist,
    );
  }
  remove(r: FleetRecord, rv: number, viaRelist = false) {
    const id = `${r.kind}|${r.key}`;
    const before = this.records.get(id);
    this.records.delete(id);
    this.emit({ kind: r.kind, type: 'DELETED', key: r.key, before }, rv, viaRelist);
  }
  private emit(
    e: Pick<ChangeEvent, 'kind' | 'type' | 'key' | 'before' | 'after'>,
    rv: number,
    viaRelist: boolean,
  ) {
    this.revision++;
    const event = {
      ...e,
      resourceVersion: String(rv),
      observedAt: this.clock.now(),
      viaRelist,
      revision: this.revision,
    } as ChangeEvent;
    for (const l of this.listeners) l(event);
  }
}
