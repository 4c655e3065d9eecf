/**
 * Retarget a GitRepo with a plan: ask for the plan (nothing written), check it, apply it against
 * the version that was planned, then wait until the orphaned BundleDeployments are gone.
 *
 *   npx tsx examples/retarget.ts --url http://127.0.0.1:4000/graphql \
 *     --namespace fleet-default --name security-policies --group production [--max-removed 10]
 *
 * FLEET_GRAPH_TOKEN, when set, is sent as the bearer token.
 */
import { parseArgs } from 'node:util';
import {
  createFleetGraphClient,
  GitRepoTargetsDocument,
  RetargetGitRepoDocument,
  RetargetProgressDocument,
  StaleDeploymentsDocument,
} from '../sdk/src/index.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:4000/graphql' },
    namespace: { type: 'string', default: 'fleet-default' },
    name: { type: 'string' },
    group: { type: 'string' },
    'max-removed': { type: 'string', default: '10' },
  },
});
if (!values.name || !values.group) {
  console.error('usage: retarget.ts --name <gitrepo> --group <cluster group> [--namespace ns] [--url …]');
  process.exit(2);
}
const namespace = values.namespace;
const name = values.name;
const maxRemoved = Number(values['max-removed']);

const client = createFleetGraphClient({ url: values.url, token: process.env.FLEET_GRAPH_TOKEN });
try {
  const targets = [{ name: values.group, clusterGroup: values.group }];
  const names = (cs: readonly { name: string }[]) => cs.map((c) => c.name).join(', ') || '-';

  // Plan, check and apply against one version of the GitRepo; when it changed in between
  // (Fleet updates its status often), read it again and plan again.
  let operation: { id: string } | null | undefined;
  for (let attempt = 1; !operation; attempt++) {
    const { gitRepo } = await client.request(GitRepoTargetsDocument, { namespace, name });
    if (!gitRepo) throw new Error(`GitRepo ${namespace}/${name} not found`);

    // 1. The plan: what would change, written nowhere.
    const planned = await client.request(RetargetGitRepoDocument, {
      input: { namespace, name, targets, dryRun: true },
    });
    const { plan, userErrors } = planned.retargetGitRepo;
    if (userErrors.length > 0 || !plan) {
      throw new Error(`refused: ${userErrors.map((e) => `${e.code} ${e.message}`).join('; ')}`);
    }
    console.log(`plan: +[${names(plan.addedClusters)}] -[${names(plan.removedClusters)}]`);
    for (const w of plan.warnings) console.log(`warning: ${w}`);

    // 2. Check it before writing.
    if (plan.noChange) {
      console.log('nothing to do');
      process.exit(0);
    }
    if (plan.removedClusters.length > maxRemoved) {
      throw new Error(
        `plan removes ${plan.removedClusters.length} clusters, more than --max-removed ${maxRemoved}`,
      );
    }

    // 3. Apply, only if the GitRepo is still the version that was planned, and have the gateway
    //    prune what Fleet leaves behind once the Bundles carry the new targets.
    const version = planned.retargetGitRepo.gitRepo?.resourceVersion ?? gitRepo.resourceVersion;
    const applied = await client.request(RetargetGitRepoDocument, {
      input: { namespace, name, targets, expectedResourceVersion: version, prune: 'ORPHANS' },
    });
    const refused = applied.retargetGitRepo.userErrors;
    if (refused.some((e) => e.code === 'CONFLICT') && attempt < 5) {
      console.log('the GitRepo changed since the plan; planning again');
      continue;
    }
    if (refused.length > 0 || !applied.retargetGitRepo.operation) {
      throw new Error(`not applied: ${refused.map((u) => `${u.code} ${u.message}`).join('; ')}`);
    }
    operation = applied.retargetGitRepo.operation;
  }
  console.log(`applied: operation ${operation.id}`);

  // 4. Wait until the orphans are gone: the progress stream starts with the state now, so no
  //    change is missed, and ends once the operation finished.
  let converged = false;
  for await (const { retargetProgress: p } of client.subscribe(RetargetProgressDocument, {
    operationId: operation.id,
  })) {
    console.log(
      `${p.operation.state}: still to remove [${p.pendingRemovals.join(', ')}]${p.operation.message ? ` (${p.operation.message})` : ''}`,
    );
    converged = p.converged;
    if (p.finished) break;
  }
  if (!converged) throw new Error('the retarget did not converge');
  const { inconsistencies } = await client.request(StaleDeploymentsDocument, {
    workspace: namespace,
    gitRepo: name,
  });
  if (inconsistencies.totalCount > 0) throw new Error(`${inconsistencies.totalCount} orphans left`);
  console.log('orphans gone');
} finally {
  await client.close();
}
