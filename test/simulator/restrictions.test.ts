/**
 * GitRepoRestriction enforced by the simulated gitjob, over the emulator's HTTP API
 * (gitops/reconciler/gitjob_controller.go Reconcile → restrictions.go AuthorizeAndAssignDefaults).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bundle, GitRepo, GitRepoRestriction } from '../../src/apis/fleet.js';
import { BUNDLES, GITREPO_RESTRICTIONS, GITREPOS, NAMESPACES } from '../../src/apis/gvr.js';
import { names, startTestFleet, type TestFleet } from './harness.js';

let t: TestFleet;
beforeEach(async () => {
  t = await startTestFleet();
  await t.create(NAMESPACES, { metadata: { name: WS } });
});
afterEach(async () => {
  await t.stop();
});

const WS = 'team-a';

const accepted = async (name: string) => {
  const c = (await t.get<GitRepo>(GITREPOS, WS, name))?.status?.conditions?.find(
    (x) => x.type === 'Accepted',
  );
  return c ? { status: c.status, message: c.message ?? '' } : undefined;
};
const bundles = async () => names(await t.list(BUNDLES, undefined, WS));

describe('GitRepoRestriction in the simulated gitjob', () => {
  it('refuses a GitRepo outside the allowed target namespaces: Accepted=False with Fleet message, no Bundle; fixing it deploys with the default service account', async () => {
    await t.create<GitRepoRestriction>(GITREPO_RESTRICTIONS, {
      metadata: { name: 'only-apps', namespace: WS },
      allowedTargetNamespaces: ['apps'],
      defaultServiceAccount: 'deployer',
    });
    await t.create<GitRepo>(GITREPOS, {
      metadata: { name: 'app', namespace: WS },
      spec: {
        repo: 'https://git.example/app',
        targetNamespace: 'kube-system',
        targets: [{ clusterSelector: {} }],
      },
    });
    await t.settle(() => accepted('app'), {
      status: 'False',
      message: 'disallowed targetNamespace kube-system: kube-system not in allowed set [apps]',
    });
    // Well past the job delay: nothing was written, and the job never started.
    await t.clock.advance(10_000);
    expect(await bundles()).toEqual([]);
    expect((await t.get<GitRepo>(GITREPOS, WS, 'app'))?.status?.gitJobStatus).toBeUndefined();

    await t.patch(GITREPOS, WS, 'app', { spec: { targetNamespace: 'apps' } });
    await t.settle(() => accepted('app'), { status: 'True', message: '' });
    await t.settle(bundles, [`${WS}/app`]);
    const b = (await t.get<Bundle>(BUNDLES, WS, 'app'))!;
    // The default is used by the job, not written back to the GitRepo (v0.12–v0.14).
    expect(b.spec.serviceAccount).toBe('deployer');
    expect(b.spec.namespace).toBe('apps');
    expect((await t.get<GitRepo>(GITREPOS, WS, 'app'))?.spec.serviceAccount).toBeUndefined();
  });

  it('keeps a refused GitRepo refused until a retry finds the restriction gone (Fleet does not watch restrictions)', async () => {
    await t.create<GitRepoRestriction>(GITREPO_RESTRICTIONS, {
      metadata: { name: 'sa', namespace: WS },
      allowedServiceAccounts: ['deployer'],
    });
    await t.create<GitRepo>(GITREPOS, {
      metadata: { name: 'app', namespace: WS },
      spec: { repo: 'https://git.example/app', serviceAccount: 'admin', targets: [{ clusterSelector: {} }] },
    });
    await t.settle(() => accepted('app'), {
      status: 'False',
      message: 'disallowed serviceAccount admin: admin not in allowed set [deployer]',
    });
    await t.remove(GITREPO_RESTRICTIONS, WS, 'sa');
    // The backoff retry picks the change up.
    await t.settle(() => accepted('app'), { status: 'True', message: '' }, { stepMs: 60_000 });
    await t.settle(bundles, [`${WS}/app`]);
    expect((await t.get<Bundle>(BUNDLES, WS, 'app'))?.spec.serviceAccount).toBe('admin');
  });

  it('writes no Bundle update for a GitRepo that becomes refused: the Bundles it had stay as they were', async () => {
    await t.create<GitRepo>(GITREPOS, {
      metadata: { name: 'app', namespace: WS },
      spec: { repo: 'https://git.example/app', paths: ['one'], targets: [{ clusterSelector: {} }] },
    });
    await t.settle(bundles, [`${WS}/app-one`]);
    await t.create<GitRepoRestriction>(GITREPO_RESTRICTIONS, {
      metadata: { name: 'repos', namespace: WS },
      allowedRepoPatterns: ['^https://git\\.example/ops/'],
    });
    // A spec change makes Fleet reconcile again, now against the restriction.
    await t.patch(GITREPOS, WS, 'app', { spec: { paths: ['two'] } });
    await t.settle(() => accepted('app'), {
      status: 'False',
      message:
        'disallowed repo https://git.example/app: https://git.example/app not in allowed set [^https://git\\.example/ops/]',
    });
    await t.clock.advance(10_000);
    expect(await bundles()).toEqual([`${WS}/app-one`]);
  });
});
