/**
 * Benchmark process: writes to the emulator as Fleet's agents and users would, from a process of
 * its own, so neither the gateway nor the clients pay for the writes.
 *
 *   argv[2]: JSON { url, token }
 */
import { Agent } from 'node:http';
import { BUNDLE_DEPLOYMENTS, GITREPOS } from '../../../src/apis/gvr.js';
import { LABEL_REPO_NAME } from '../../../src/apis/labels.js';
import { request } from '../lib.js';
import { serveParent } from './ipc.js';

const { url, token } = JSON.parse(process.argv[2] ?? '{}') as { url: string; token: string };
const MAX_SOCKETS = 16;
const agent = new Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
const auth = { authorization: `Bearer ${token}` };
const T = BUNDLE_DEPLOYMENTS;
let targets: { namespace: string; name: string }[] = [];
/**
 * Targets last set to `Modified`: every write flips its target's state, so every write is a real
 * change (an identical patch would be a no-op without an event).
 */
const flipped = new Set<number>();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function writeOne(i: number): Promise<string> {
  const k = i % targets.length;
  const t = targets[k]!;
  const state = flipped.has(k) ? 'Ready' : 'Modified';
  if (flipped.has(k)) flipped.delete(k);
  else flipped.add(k);
  const target = {
    url: new URL(
      `${url}/apis/${T.group}/${T.version}/namespaces/${t.namespace}/${T.plural}/${t.name}/status`,
    ),
    method: 'PATCH',
    body: JSON.stringify({ status: { display: { state } } }),
    headers: { ...auth, 'content-type': 'application/merge-patch+json' },
  } as const;
  // The emulator closes keep-alive sockets idle for a few seconds: a write on one that just closed
  // is reset before the server read it, so it is sent again. After a pause every pooled socket
  // may be such a one, so it may take as many attempts as the pool holds sockets.
  const reset = (e: unknown) =>
    (e as { code?: string }).code === 'ECONNRESET' || (e as Error).message === 'socket hang up';
  let res: { status: number; body: string } | undefined;
  for (let attempt = 0; res === undefined; attempt++) {
    res = await request(agent, target).catch((e: unknown) => {
      if (reset(e) && attempt <= MAX_SOCKETS) return undefined;
      throw e;
    });
  }

  if (res.status !== 200)
    throw new Error(`status write failed: HTTP ${res.status} ${res.body.slice(0, 200)}`);
  return (JSON.parse(res.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
}

serveParent(
  {},
  {
    /** Picks the BundleDeployments of a GitRepo to write to. */
    targets: async (p: { gitRepo: string; count: number }) => {
      const res = await request(agent, {
        url: new URL(
          `${url}/apis/${T.group}/${T.version}/${T.plural}?labelSelector=${encodeURIComponent(`${LABEL_REPO_NAME}=${p.gitRepo}`)}&limit=${p.count}`,
        ),
        method: 'GET',
        headers: auth,
      });
      const items = (JSON.parse(res.body) as { items: { metadata: { namespace: string; name: string } }[] })
        .items;
      targets = items.map((o) => ({ namespace: o.metadata.namespace, name: o.metadata.name }));
      return targets.length;
    },
    /**
     * `count` status writes to targets from index `from` on: paced at `rate` per second, or as
     * fast as the emulator answers with `inflight` at once when `rate` is 0. Returns the
     * resourceVersions written.
     */
    write: async (p: { count: number; from: number; rate: number; inflight: number }) => {
      const rvs: string[] = [];
      const t0 = performance.now();
      if (p.rate > 0) {
        const pending: Promise<void>[] = [];
        for (let i = 0; i < p.count; i++) {
          const wait = t0 + (i * 1000) / p.rate - performance.now();
          if (wait > 1) await sleep(wait);
          const write = writeOne(p.from + i).then((rv) => void rvs.push(rv));
          // Observed at once: a write failing while later ones are still being paced is reported
          // by Promise.all below, not as an unhandled rejection that ends the process.
          write.catch(() => undefined);
          pending.push(write);
        }
        await Promise.all(pending);
      } else {
        let next = 0;
        const worker = async () => {
          while (next < p.count) rvs.push(await writeOne(p.from + next++));
        };
        await Promise.all(Array.from({ length: p.inflight }, worker));
      }
      return { rvs, seconds: (performance.now() - t0) / 1000 };
    },
    /** Replaces a GitRepo's targets (a user's edit). */
    retarget: async (p: { namespace: string; name: string; targets: unknown[] }) => {
      const res = await request(agent, {
        url: new URL(
          `${url}/apis/${GITREPOS.group}/${GITREPOS.version}/namespaces/${p.namespace}/${GITREPOS.plural}/${p.name}`,
        ),
        method: 'PATCH',
        body: JSON.stringify({ spec: { targets: p.targets } }),
        headers: { ...auth, 'content-type': 'application/merge-patch+json' },
      });
      if (res.status !== 200)
        throw new Error(`retarget failed: HTTP ${res.status} ${res.body.slice(0, 200)}`);
      return (JSON.parse(res.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    },
  },
  () => {
    agent.destroy();
    return Promise.resolve();
  },
);
