/**
 * GraphiQL in a real browser (Debian's Chromium driven by playwright-core): the page served by the
 * gateway runs a query and a subscription, the subscription's events appear on screen while a
 * retarget happens, and the page makes no request to any host but the gateway. With
 * `--auth kubernetes` over the emulator, a query with the header editor's placeholder token shows
 * UNAUTHENTICATED, alice's token typed into that editor shows her team's GitRepos only, and a
 * subscription runs over Server-Sent Events (no WebSocket). Screenshots go to .cache/screenshots/. Without Chromium the test is skipped, except in CI, where it must run
 * (.ci/run installs the chromium package).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliGateway, type RunningGateway } from '../support/cli-process.js';
import { ROOT } from '../support/helm.js';
import { ALICE, gql, startAuthGateway, type AuthGateway } from '../access/support.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const inCI = Boolean(process.env.CI);
if (!available && !inCI) {
  console.warn(`GraphiQL browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
}

const run = promisify(execFile);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

let gateway: RunningGateway;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const external: string[] = [];
const pageErrors: string[] = [];

function isLocal(url: string): boolean {
  if (url.startsWith('data:') || url.startsWith('blob:')) return true;
  try {
    return LOOPBACK.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** Chromium that can reach only loopback names. */
function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // Every name but loopback fails to resolve: nothing can leave the machine, even requests
    // the browser makes on its own that route() never sees.
    args: ['--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1'],
  });
}

/** Aborts every request and WebSocket to a host other than loopback, and records its URL. */
async function blockExternal(ctx: BrowserContext, seen: string[]): Promise<void> {
  await ctx.route('**/*', async (route) => {
    const url = route.request().url();
    if (isLocal(url)) return route.continue();
    seen.push(url);
    return route.abort();
  });
  await ctx.routeWebSocket(/.*/, (ws) => {
    if (isLocal(ws.url())) return void ws.connectToServer();
    seen.push(ws.url());
    return void ws.close();
  });
}

/** Replaces the query editor's text and runs it with the execute button. */
async function runInGraphiQL(page: Page, operation: string): Promise<void> {
  // GraphiQL shows tabs, whose titles name the parsed operation, from the second tab on.
  if ((await page.locator('.graphiql-tab').count()) === 0) await page.locator('.graphiql-tab-add').click();
  const editor = page.locator('.graphiql-query-editor').first();
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  // insertText, not type(): the editor would auto-close every bracket typed key by key.
  await page.keyboard.insertText(operation);
  // GraphiQL re-parses the editor a moment after a change and until then runs the operation name
  // it saw last ("Cannot infer operation"); a named operation's name in the tab shows it is parsed.
  const name = /^\s*(?:query|mutation|subscription)\s+(\w+)/.exec(operation)?.[1];
  if (name) await page.locator('.graphiql-tab-active', { hasText: name }).waitFor({ timeout: 30_000 });
  await page.locator('.graphiql-execute-button').click();
}

// The editor renders spaces as no-break spaces.
const responseText = async (page: Page) =>
  (await page.locator('.graphiql-response').innerText()).replace(/\u00a0/g, ' ');

describe.skipIf(!available && !inCI)('GraphiQL in Chromium', () => {
  beforeAll(async () => {
    // Flags that are not in every build of the gateway are passed only when it offers them.
    const { stdout: help } = await run(process.execPath, [
      join(ROOT, 'bin', 'fleet-graph.js'),
      'serve',
      '--help',
    ]);
    const extra = [
      ...(help.includes('--graphiql') ? ['--graphiql=true'] : []),
      ...(help.includes('--introspection') ? ['--introspection=true'] : []),
      ...(help.includes('--auth ') ? ['--auth=none'] : []),
    ];
    [gateway, browser] = await Promise.all([startCliGateway(['--speed', '10', ...extra]), launch()]);
    context = await browser.newContext({ serviceWorkers: 'block' });
    await blockExternal(context, external);
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
  });

  it('runs a query and shows the result', async () => {
    await page.goto(gateway.url);
    await page.locator('.graphiql-query-editor').first().waitFor({ timeout: 60_000 });
    // Named operations: runInGraphiQL waits until GraphiQL has parsed the new one.
    await runInGraphiQL(page, 'query ClusterCount { clusters { totalCount } }');
    await expect.poll(() => responseText(page), { timeout: 60_000 }).toMatch(/"totalCount": [1-9]\d*/);
  }, 120_000);

  it('shows subscription events on screen while a retarget happens', async () => {
    // Staging must have its deployments before the retarget, or there is nothing to remove: the
    // simulated Fleet may still be rolling out when the page is ready.
    await expect
      .poll(
        async () => {
          const res = await fetch(gateway.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              query:
                '{ gitRepo(namespace: "fleet-default", name: "security-policies") { bundles { edges { node { targetedClusters(first: 100) { edges { node { cluster { name } bundleDeployment { name } } } } } } } } }',
            }),
          });
          const body = (await res.json()) as {
            data?: {
              gitRepo: {
                bundles: {
                  edges: {
                    node: {
                      targetedClusters: {
                        edges: { node: { cluster: { name: string }; bundleDeployment: unknown } }[];
                      };
                    };
                  }[];
                };
              };
            };
          };
          const targeted = (body.data?.gitRepo.bundles.edges ?? []).flatMap((b) =>
            b.node.targetedClusters.edges.map((e) => e.node),
          );
          return targeted.filter((t) => t.cluster.name.includes('staging') && t.bundleDeployment !== null)
            .length;
        },
        // The simulated rollout goes a few clusters at a time.
        { timeout: 150_000 },
      )
      .toBeGreaterThan(0);
    await runInGraphiQL(
      page,
      'subscription Removals { bundleDeploymentEvents(filter: { types: [REMOVED] }) { type bundleDeployment { name namespace } removal { reason } } }',
    );
    // The subscription is live on the server once the gateway counts it (no race with the write).
    await expect
      .poll(
        async () => {
          const metrics = await (await fetch(gateway.metricsUrl)).text();
          return /^fleet_graph_subscriptions_active\{subscription="bundleDeploymentEvents"\} 1$/m.test(
            metrics,
          );
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    // The retarget is written beside the page, as an operator's script would: staging loses it.
    await expect
      .poll(
        async () => {
          const res = await fetch(gateway.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              query:
                'mutation { retargetGitRepo(input: { namespace: "fleet-default", name: "security-policies", targets: [{ name: "production", clusterGroup: "production" }] }) { userErrors { code message } gitRepo { targets { name } } } }',
            }),
          });
          const body = (await res.json()) as {
            data?: { retargetGitRepo: { userErrors: unknown[]; gitRepo: { targets: { name: string }[] } } };
          };
          return body.data?.retargetGitRepo.gitRepo.targets.map((t) => t.name);
        },
        { timeout: 30_000 },
      )
      .toEqual(['production']);
    await expect.poll(() => responseText(page), { timeout: 90_000 }).toContain('"type": "REMOVED"');
    expect(await responseText(page)).toContain('TARGET_REMOVED');
    await mkdir(join(ROOT, '.cache', 'screenshots'), { recursive: true });
    await page.screenshot({
      path: join(ROOT, '.cache', 'screenshots', 'graphiql-subscription.png'),
      fullPage: true,
    });
  }, 300_000);

  it('made no request to any host but the gateway, and raised no page error', () => {
    expect(external).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});

describe.skipIf(!available && !inCI)('GraphiQL in Chromium with --auth kubernetes', () => {
  let env: AuthGateway;
  let authBrowser: Browser;
  let authPage: Page;
  const authExternal: string[] = [];
  const authSockets: string[] = [];

  beforeAll(async () => {
    [env, authBrowser] = await Promise.all([startAuthGateway(), launch()]);
    const ctx = await authBrowser.newContext({ serviceWorkers: 'block' });
    await blockExternal(ctx, authExternal);
    authPage = await ctx.newPage();
    authPage.on('websocket', (ws) => authSockets.push(ws.url()));
  }, 120_000);

  afterAll(async () => {
    await authBrowser?.close();
    await env?.stop();
  });

  const headersEditor = () =>
    authPage.locator('section.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden)');

  it('refuses a query with the placeholder token and shows UNAUTHENTICATED', async () => {
    await authPage.goto(env.gw.url);
    await authPage.locator('.graphiql-query-editor').first().waitFor({ timeout: 60_000 });
    // The header editor starts open, holding the header to fill in.
    await expect
      .poll(async () => (await headersEditor().innerText()).replace(/\u00a0/g, ' '), { timeout: 30_000 })
      .toContain('Bearer <token>');
    await runInGraphiQL(
      authPage,
      'query Repos { gitRepos(first: 50) { edges { node { namespace name } } } }',
    );
    await expect.poll(() => responseText(authPage), { timeout: 60_000 }).toContain('UNAUTHENTICATED');
    expect(await responseText(authPage)).not.toContain('"namespace"');
  }, 120_000);

  it("shows alice's team-a data, not team-b's, once her token is typed into the header editor", async () => {
    await headersEditor().click();
    await authPage.keyboard.press('Control+A');
    await authPage.keyboard.press('Delete');
    await authPage.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${ALICE}` }));
    await runInGraphiQL(
      authPage,
      'query AliceRepos { gitRepos(first: 50) { edges { node { namespace name } } } }',
    );
    await expect.poll(() => responseText(authPage), { timeout: 60_000 }).toContain('"namespace": "team-a"');
    const text = await responseText(authPage);
    expect(text).not.toContain('team-b');
    expect(text).not.toContain('UNAUTHENTICATED');
  }, 120_000);

  it('shows a subscription event over Server-Sent Events while alice retargets her GitRepo', async () => {
    await runInGraphiQL(
      authPage,
      'subscription AppChanges { gitRepoChanged(namespace: "team-a", name: "app") { namespace name targets { name } } }',
    );
    // First the GitRepo as it is (no targets), and the subscriber is registered on the server.
    await expect.poll(() => responseText(authPage), { timeout: 60_000 }).toContain('"gitRepoChanged"');
    await expect.poll(() => env.gw.eventStats().subscribers, { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await responseText(authPage)).not.toContain('"name": "dev"');
    const w = await gql(
      env.gw.url,
      'mutation { retargetGitRepo(input: { namespace: "team-a", name: "app", targets: [{ name: "dev", clusterSelector: { matchLabels: [{ key: "env", value: "dev" }] } }] }) { userErrors { code } gitRepo { targets { name } } } }',
      {},
      ALICE,
    );
    expect(w.data.retargetGitRepo).toEqual({ userErrors: [], gitRepo: { targets: [{ name: 'dev' }] } });
    await expect.poll(() => responseText(authPage), { timeout: 60_000 }).toContain('"name": "dev"');
    await mkdir(join(ROOT, '.cache', 'screenshots'), { recursive: true });
    await authPage.screenshot({
      path: join(ROOT, '.cache', 'screenshots', 'graphiql-auth-subscription.png'),
      fullPage: true,
    });
  }, 180_000);

  it('made no request to any host but the gateway, and opened no WebSocket (subscriptions use SSE)', () => {
    expect(authExternal).toEqual([]);
    expect(authSockets).toEqual([]);
  });
});
