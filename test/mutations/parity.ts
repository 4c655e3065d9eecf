/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return --
   GraphQL responses are JSON read field by field; typing each ad-hoc query would add nothing here. */
/**
 * Preview parity: for every targeting rule a GitTarget can express (the rows of
 * test/simulator/targeting-cases.ts without restrictions, doNotDeploy, options or AllMatches),
 * the plan of `retargetGitRepo` (BundleDeployments to create and to delete, per Bundle) equals
 * what the simulated Fleet then does. Shared by the prompt and legacy cleanup test files.
 */
import { expect } from 'vitest';
import type { GitTarget } from '../../src/apis/fleet.js';
import { TARGETING_CASES } from '../simulator/targeting-cases.js';
import { deployed, targeted, WS, type Env } from './support.js';

const FIELDS = new Set(['name', 'clusterName', 'clusterSelector', 'clusterGroup', 'clusterGroupSelector']);

/** The distinct GitTarget lists of the table, renamed per row so every transition changes the Bundles. */
export function gitTargetRows(): { rule: string; targets: GitTarget[] }[] {
  const seen = new Set<string>();
  const rows: { rule: string; targets: GitTarget[] }[] = [];
  for (const c of TARGETING_CASES) {
    if (c.expect === 'error' || c.restrictions || c.mode === 'AllMatches' || c.targets.length === 0) continue;
    if (!c.targets.every((t) => Object.keys(t).every((k) => FIELDS.has(k)))) continue;
    const key = JSON.stringify(c.targets.map(({ name: _n, ...rest }) => rest));
    if (seen.has(key)) continue;
    seen.add(key);
    rows.push({
      rule: c.rule,
      targets: c.targets.map((t, j) => ({ ...t, name: `r${rows.length}-${j}` })),
    });
  }
  return rows;
}

/** A workspace every row can say something about: labels, a display name, groups of each kind. */
export async function seedFleet(env: Env): Promise<void> {
  const o = env.objects;
  const clusters: [string, Record<string, string>][] = [
    ['a', { env: 'prod', region: 'eu' }],
    ['b', { env: 'dev', region: 'eu' }],
    ['c', { env: 'prod', region: 'us' }],
    ['d', {}],
    ['c-x1', { 'management.cattle.io/cluster-display-name': 'pretty' }],
  ];
  for (const [name, labels] of clusters)
    await o.create('clusters', WS, { metadata: { name, labels }, spec: {} });
  const groups: [string, Record<string, string>, unknown][] = [
    ['eu', { tier: 'gold', region: 'eu' }, { matchLabels: { region: 'eu' } }],
    ['all', { tier: 'silver' }, {}],
    ['none', {}, null],
    ['group-a', { region: 'eu' }, { matchLabels: { env: 'prod' } }],
  ];
  for (const [name, labels, selector] of groups)
    await o.create('clustergroups', WS, {
      metadata: { name, labels },
      spec: selector === null ? {} : { selector },
    });
  await o.create('gitrepos', WS, {
    metadata: { name: 'app' },
    spec: {
      repo: 'https://example.com/app',
      paths: ['x', 'y'],
      targets: [{ name: 'start', clusterSelector: {} }],
    },
  });
}

const PLAN = `
  mutation($input: RetargetGitRepoInput!) {
    retargetGitRepo(input: $input) {
      userErrors { code field message }
      operation { id state }
      plan { bundles { bundle { name } bundleDeploymentsToCreate { name } bundleDeploymentsToDelete { clusterName } } }
    }
  }`;

/** Restrictions of each Bundle, by name: they equal the GitRepo's targets once `fleet apply` ran (docs/fleet/targeting.md §4.1). */
async function restrictions(env: Env): Promise<string[][]> {
  const d = await env.gql(
    `{ gitRepo(namespace: "${WS}", name: "app") { bundles { edges { node { targetRestrictions { name } } } } } }`,
  );
  return d.gitRepo.bundles.edges.map((e: any) => e.node.targetRestrictions.map((r: any) => r.name));
}

async function operationState(env: Env): Promise<string | undefined> {
  const d = await env.gql(`{ gitRepo(namespace: "${WS}", name: "app") { retargetOperation { state } } }`);
  return d.gitRepo.retargetOperation?.state;
}

/** Input form of a GitTarget (labels as key/value lists, operators as enum values). */
export function targetInput(t: GitTarget): Record<string, unknown> {
  const sel = (s: GitTarget['clusterSelector']) =>
    s == null
      ? undefined
      : {
          matchLabels: Object.entries(s.matchLabels ?? {}).map(([key, value]) => ({ key, value })),
          matchExpressions: (s.matchExpressions ?? []).map((e) => ({
            key: e.key,
            operator: e.operator.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase(),
            values: e.values,
          })),
        };
  return {
    name: t.name,
    clusterName: t.clusterName,
    clusterGroup: t.clusterGroup,
    clusterSelector: sel(t.clusterSelector),
    clusterGroupSelector: sel(t.clusterGroupSelector),
  };
}

export async function runParity(env: Env, prune: boolean): Promise<number> {
  await seedFleet(env);
  await env.settle(async () => Object.keys(await deployed(env, 'app')).length, 2);
  await env.settle(async () => (await deployed(env, 'app'))['app-x']?.length, 5);
  let compared = 0;
  let changes = 0;
  for (const row of gitTargetRows()) {
    const before = await deployed(env, 'app');
    const input = {
      namespace: WS,
      name: 'app',
      targets: row.targets.map(targetInput),
      ...(prune ? { prune: 'ORPHANS' } : {}),
    };
    const dry = (await env.gql(PLAN, { input: { ...input, dryRun: true } })).retargetGitRepo;
    expect(dry.userErrors, row.rule).toEqual([]);
    const applied = (await env.gql(PLAN, { input })).retargetGitRepo;
    expect(applied.userErrors, row.rule).toEqual([]);
    const names = row.targets.map((t) => t.name);
    // Fleet applied the new targets to every Bundle, and deployments follow them.
    await env.settle(
      async () => {
        const r = await restrictions(env);
        const d = await deployed(env, 'app');
        const t = await targeted(env, 'app');
        const done = !prune || (await operationState(env)) === 'SUCCEEDED';
        return (
          done &&
          r.every((x) => JSON.stringify(x) === JSON.stringify(names)) &&
          JSON.stringify(d) === JSON.stringify(t)
        );
      },
      true,
      2_000,
    );
    const after = await deployed(env, 'app');
    for (const b of dry.plan.bundles) {
      changes += b.bundleDeploymentsToCreate.length + b.bundleDeploymentsToDelete.length;
      const name = b.bundle.name as string;
      const was = new Set(before[name] ?? []);
      const now = new Set(after[name] ?? []);
      expect(
        {
          create: [...now].filter((c) => !was.has(c)).sort(),
          delete: [...was].filter((c) => !now.has(c)).sort(),
        },
        `${row.rule} (${name})`,
      ).toEqual({
        create: b.bundleDeploymentsToCreate.map((c: any) => c.name).sort(),
        delete: b.bundleDeploymentsToDelete.map((bd: any) => bd.clusterName).sort(),
      });
    }
    compared++;
  }
  // The rows move deployments both ways, so the comparison above is not between empty lists.
  expect(changes).toBeGreaterThan(20);
  return compared;
}
