import { describe, expect, it } from 'vitest';
import type { BundleState } from '../../../apis/fleet.js';
import type { BundleDeploymentRecord } from '../../store/records.js';
import {
  BUNDLE_STATES,
  countState,
  deploymentMessage,
  deploymentState,
  displayState,
  emptySummary,
  readyMessage,
} from './state.js';
import { aDeployment } from '../../../../test/support/fleet-builders.js';

const base = aDeployment({ bundle: 'b', cluster: 'c' });
const bd = (over: Partial<BundleDeploymentRecord>): BundleDeploymentRecord => ({ ...base, ...over });
const deployed = (status: string, message = '') => ({ type: 'Deployed', status, message });

describe('deploymentState (docs/fleet/state.md §5.1)', () => {
  const rows: { rule: string; bd: BundleDeploymentRecord; state: BundleState }[] = [
    {
      rule: 'applied ≠ deployment and Deployed=False → ErrApplied',
      bd: bd({ appliedDeploymentID: 'x', conditions: [deployed('False')] }),
      state: 'ErrApplied',
    },
    {
      rule: 'applied ≠ deployment otherwise → WaitApplied',
      bd: bd({ appliedDeploymentID: 'x', conditions: [deployed('Unknown')] }),
      state: 'WaitApplied',
    },
    {
      rule: 'applied ≠ deployment without a Deployed condition → WaitApplied',
      bd: bd({ appliedDeploymentID: '', conditions: [] }),
      state: 'WaitApplied',
    },
    {
      rule: 'applied-ID check comes before ready',
      bd: bd({ appliedDeploymentID: 'x', ready: false }),
      state: 'WaitApplied',
    },
    { rule: 'not ready → NotReady', bd: bd({ ready: false }), state: 'NotReady' },
    {
      rule: 'not ready wins over staged and modified',
      bd: bd({ ready: false, stagedDeploymentID: 'y', nonModified: false }),
      state: 'NotReady',
    },
    { rule: 'deployment ≠ staged → OutOfSync', bd: bd({ stagedDeploymentID: 'y' }), state: 'OutOfSync' },
    {
      rule: 'OutOfSync wins over Modified',
      bd: bd({ stagedDeploymentID: 'y', nonModified: false }),
      state: 'OutOfSync',
    },
    { rule: 'nonModified false → Modified', bd: bd({ nonModified: false }), state: 'Modified' },
    {
      rule: 'otherwise Ready, whatever the Ready condition says',
      bd: bd({ conditions: [{ type: 'Ready', status: 'False' }] }),
      state: 'Ready',
    },
  ];
  it.each(rows)('$rule', ({ bd, state }) => expect(deploymentState(bd)).toBe(state));

  it.each(BUNDLE_STATES.filter((s) => s !== 'Pending'))('the fixture builder produces %s', (s) => {
    expect(deploymentState(aDeployment({ bundle: 'b', cluster: 'c', state: s }))).toBe(s);
  });
});

describe('deploymentMessage (docs/fleet/state.md §5.2)', () => {
  const c = (type: string, message: string) => ({ type, status: 'True', message });
  it.each([
    {
      rule: 'Deployed message first',
      bd: bd({ conditions: [c('Deployed', 'd'), c('Installed', 'i'), c('Monitored', 'm')] }),
      msg: 'd',
    },
    {
      rule: 'then Installed when the applied ID is current',
      bd: bd({ conditions: [c('Installed', 'i'), c('Monitored', 'm')] }),
      msg: 'i',
    },
    {
      rule: 'Installed skipped when the applied ID is stale',
      bd: bd({ appliedDeploymentID: 'old', conditions: [c('Installed', 'i'), c('Monitored', 'm')] }),
      msg: 'm',
    },
    { rule: 'then Monitored', bd: bd({ conditions: [c('Monitored', 'm')] }), msg: 'm' },
  ])('$rule', ({ bd, msg }) => expect(deploymentMessage(bd)).toBe(msg));
});

describe('ranking and summaries (docs/fleet/state.md §5.2, docs/fleet/objects.md §2.1)', () => {
  it('orders states by StateRank, worst first', () => {
    expect(BUNDLE_STATES).toEqual([
      'ErrApplied',
      'WaitApplied',
      'Modified',
      'OutOfSync',
      'Pending',
      'NotReady',
      'Ready',
    ]);
  });
  it.each([
    { states: [] as BundleState[], want: '' },
    { states: ['Ready', 'Ready'] as BundleState[], want: '' },
    { states: ['NotReady', 'Pending'] as BundleState[], want: 'Pending' },
    { states: ['Modified', 'WaitApplied', 'OutOfSync'] as BundleState[], want: 'WaitApplied' },
  ])('display state of $states is "$want"', ({ states, want }) => expect(displayState(states)).toBe(want));

  it('counts states, desiredReady, and lists at most 10 non-ready entries', () => {
    const s = emptySummary();
    for (let i = 0; i < 12; i++) countState(s, 'NotReady', `b${i}`);
    countState(s, 'Ready', 'ok');
    expect(s).toMatchObject({ notReady: 12, ready: 1, desiredReady: 13 });
    expect(s.nonReadyResources).toHaveLength(10);
    expect(s.nonReadyResources?.[0]).toEqual({ name: 'b0', bundleState: 'NotReady', message: '' });
  });
});

describe('readyMessage (docs/fleet/state.md §5.2)', () => {
  it('one piece per non-Ready state, first listed entry, sorted and joined', () => {
    const s = emptySummary();
    countState(s, 'NotReady', 'ns/a', 'slow');
    countState(s, 'NotReady', 'ns/b', 'slower');
    countState(s, 'ErrApplied', 'ns/c');
    countState(s, 'Ready', 'ns/d');
    expect(readyMessage(s, 'Cluster')).toBe('ErrApplied(1) [Cluster ns/c]; NotReady(2) [Cluster ns/a: slow]');
  });
  it('is empty when everything is Ready', () => {
    const s = emptySummary();
    countState(s, 'Ready', 'x');
    expect(readyMessage(s, 'Bundle')).toBe('');
  });
});
