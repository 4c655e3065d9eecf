/**
 * Contract: the real kubectl 1.34 against the emulator, default flags plus --kubeconfig. Each
 * command must exit and print as against a real cluster: exit code 0 and an empty stderr where
 * a cluster gives no warning, and the real messages and exit codes for errors.
 *
 * One emulator serves the file; every test works on its own objects so none depends on another.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';
import { kubectl, kubectlBinary, type KubectlResult } from '../support/kubectl.js';

let t: TestApiServer;
let dir: string;
let kubeconfig: string;

beforeAll(async () => {
  await kubectlBinary();
  t = await startTestApiServer({ fleet: true });
  dir = await mkdtemp(join(tmpdir(), 'fleet-graph-kubectl-'));
  kubeconfig = join(dir, 'kubeconfig');
  await t.server.writeKubeconfig(kubeconfig);
});

afterAll(async () => {
  await t?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function k(...args: string[]): Promise<KubectlResult> {
  return kubectl(args, { kubeconfig, cacheDir: join(dir, 'cache') });
}

async function kIn(stdin: string, ...args: string[]): Promise<KubectlResult> {
  return kubectl(args, { kubeconfig, cacheDir: join(dir, 'cache'), stdin });
}

/** Asserts success without warnings and returns stdout. */
async function ok(p: Promise<KubectlResult>): Promise<string> {
  const r = await p;
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

function gitRepoYaml(name: string, ns: string, extra = ''): string {
  return `apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata:
  name: ${name}
  namespace: ${ns}
  labels:
    app: ${name}
spec:
  repo: https://github.com/rancher/fleet-examples
  paths:
  - simple
${extra}`;
}

async function createNs(name: string): Promise<void> {
  await ok(kIn(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`, 'apply', '-f', '-'));
}

describe('kubectl discovery and reading', () => {
  it('api-resources lists the built-in kinds and the Fleet kinds', async () => {
    const out = await ok(k('api-resources'));
    expect(out).toMatch(/^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND/);
    expect(out).toMatch(/configmaps\s+cm\s+v1\s+true\s+ConfigMap/);
    expect(out).toMatch(/gitrepos\s+fleet\.cattle\.io\/v1alpha1\s+true\s+GitRepo/);
    expect(out).toMatch(/contents\s+fleet\.cattle\.io\/v1alpha1\s+false\s+Content/);
    expect(out).toMatch(/customresourcedefinitions\s+crd,crds\s+apiextensions\.k8s\.io\/v1\s+false/);
  });

  it('get prints the printer-column table, -o yaml, -o jsonpath, -l, -A and --field-selector', async () => {
    await ok(
      kIn(
        gitRepoYaml('read-a', 'fleet-local') + gitRepoYaml('read-b', 'fleet-default').replace(/^/, '---\n'),
        'apply',
        '-f',
        '-',
      ),
    );
    const table = await ok(k('get', 'gitrepos', '-n', 'fleet-local'));
    expect(table.split('\n')[0]).toMatch(/^NAME\s+REPO\s+COMMIT\s+BUNDLEDEPLOYMENTS-READY\s+STATUS$/);
    expect(table).toMatch(/read-a\s+https:\/\/github\.com\/rancher\/fleet-examples/);
    const yaml = await ok(k('get', 'gitrepo', 'read-a', '-n', 'fleet-local', '-o', 'yaml'));
    expect(yaml).toContain('kind: GitRepo');
    expect(yaml).toMatch(/uid: [0-9a-f-]{36}/);
    const jp = await ok(
      k(
        'get',
        'gitrepos',
        '-A',
        '-o',
        'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name} {end}',
      ),
    );
    expect(jp.trim().split(' ')).toEqual(
      expect.arrayContaining(['fleet-local/read-a', 'fleet-default/read-b']),
    );
    const all = await ok(k('get', 'gitrepos', '-A', '-l', 'app in (read-a,read-b)'));
    expect(all.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+REPO/);
    expect(all).toMatch(/fleet-default\s+read-b/);
    expect(all).toMatch(/fleet-local\s+read-a/);
    const sel = await ok(
      k('get', 'gitrepos', '-A', '--field-selector', 'metadata.name=read-b', '-o', 'name'),
    );
    expect(sel.trim()).toBe('gitrepo.fleet.cattle.io/read-b');
    const ns = await ok(k('get', 'namespaces'));
    expect(ns).toMatch(/fleet-local\s+Active\s+\d+s/);
  });

  it('get of a missing object or an unknown kind fails like a cluster', async () => {
    const missing = await k('get', 'gitrepo', 'nope', '-n', 'fleet-local');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('Error from server (NotFound): gitrepos.fleet.cattle.io "nope" not found\n');
    const unknown = await k('get', 'foos');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: the server doesn\'t have a resource type "foos"\n');
    const empty = await k('get', 'bundles', '-n', 'fleet-local');
    expect(empty.code).toBe(0);
    expect(empty.stderr).toBe('No resources found in fleet-local namespace.\n');
  });

  it('describe shows the object and its events', async () => {
    await ok(kIn(gitRepoYaml('desc', 'fleet-local'), 'apply', '-f', '-'));
    const uid = (
      await ok(k('get', 'gitrepo', 'desc', '-n', 'fleet-local', '-o', 'jsonpath={.metadata.uid}'))
    ).trim();
    await ok(
      kIn(
        `apiVersion: v1
kind: Event
metadata:
  name: desc.1
  namespace: fleet-local
involvedObject:
  apiVersion: fleet.cattle.io/v1alpha1
  kind: GitRepo
  name: desc
  namespace: fleet-local
  uid: ${uid}
reason: Synced
message: all good
type: Normal
source:
  component: fleet-controller
count: 1
firstTimestamp: "2026-01-01T00:00:00Z"
lastTimestamp: "2026-01-01T00:00:00Z"
`,
        'apply',
        '-f',
        '-',
      ),
    );
    const out = await ok(k('describe', 'gitrepo', 'desc', '-n', 'fleet-local'));
    expect(out).toMatch(/^Name:\s+desc$/m);
    expect(out).toMatch(/^Kind:\s+GitRepo$/m);
    expect(out).toMatch(/Normal\s+Synced\s+.*fleet-controller\s+all good/);
  });

  it('wait --for=condition=Ready returns once the status says so; get events prints the event table', async () => {
    await ok(kIn(gitRepoYaml('ready', 'fleet-local'), 'apply', '-f', '-'));
    const waiting = k('wait', '--for=condition=Ready', 'gitrepo/ready', '-n', 'fleet-local', '--timeout=15s');
    await ok(
      k(
        'patch',
        'gitrepo',
        'ready',
        '-n',
        'fleet-local',
        '--subresource=status',
        '--type',
        'merge',
        '-p',
        '{"status":{"conditions":[{"type":"Ready","status":"True","message":"all ready"}]}}',
      ),
    );
    expect(await ok(waiting)).toBe('gitrepo.fleet.cattle.io/ready condition met\n');
    expect(await ok(k('get', 'gitrepo', 'ready', '-n', 'fleet-local'))).toMatch(
      /ready\s+https:\S+\s+all ready/,
    );
    await ok(
      kIn(
        'apiVersion: v1\nkind: Event\nmetadata:\n  name: ready.1\n  namespace: fleet-local\ninvolvedObject:\n  kind: GitRepo\n  name: ready\n  namespace: fleet-local\nreason: Ready\nmessage: it is ready\ntype: Normal\n',
        'apply',
        '-f',
        '-',
      ),
    );
    const events = await ok(
      k('get', 'events', '-n', 'fleet-local', '--field-selector', 'involvedObject.name=ready'),
    );
    expect(events.split('\n')[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    expect(events).toMatch(/Normal\s+Ready\s+gitrepo\/ready\s+it is ready/);
  });

  it('explain gitrepo.spec.targets uses the CRD schema', async () => {
    const out = await ok(k('explain', 'gitrepo.spec.targets'));
    expect(out).toContain('KIND:       GitRepo');
    expect(out).toMatch(/FIELD: targets <\[\]Object>/);
    expect(out).toMatch(/clusterSelector\s+<Object>/);
    expect(out).toMatch(/clusterGroup\s+<string>/);
  });
});

describe('kubectl writing', () => {
  it('apply creates, then configures, then reports unchanged', async () => {
    const file = join(dir, 'apply.yaml');
    await writeFile(file, gitRepoYaml('applied', 'fleet-local'));
    expect(await ok(k('apply', '-f', file))).toBe('gitrepo.fleet.cattle.io/applied created\n');
    expect(await ok(k('apply', '-f', file))).toBe('gitrepo.fleet.cattle.io/applied unchanged\n');
    await writeFile(file, gitRepoYaml('applied', 'fleet-local', '  branch: main\n'));
    expect(await ok(k('apply', '-f', file))).toBe('gitrepo.fleet.cattle.io/applied configured\n');
    expect(
      await ok(
        k(
          'get',
          'gitrepo',
          'applied',
          '-n',
          'fleet-local',
          '-o',
          'jsonpath={.spec.branch} {.metadata.generation}',
        ),
      ),
    ).toBe('main 2');
    // Built-in kinds go through strategic merge patch.
    const cm = (v: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: default\ndata:\n  k: "${v}"\n`;
    expect(await ok(kIn(cm('1'), 'apply', '-f', '-'))).toBe('configmap/applied created\n');
    expect(await ok(kIn(cm('2'), 'apply', '-f', '-'))).toBe('configmap/applied configured\n');
    expect(await ok(k('get', 'cm', 'applied', '-n', 'default', '-o', 'jsonpath={.data.k}'))).toBe('2');
  });

  it('apply rejects unknown fields and schema violations with the server messages', async () => {
    const unknown = await kIn(gitRepoYaml('strict', 'fleet-local', '  nope: 1\n'), 'apply', '-f', '-');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('strict decoding error: unknown field "spec.nope"');
    const invalid = await kIn(
      'apiVersion: fleet.cattle.io/v1alpha1\nkind: GitRepo\nmetadata:\n  name: invalid\n  namespace: fleet-local\nspec:\n  paused: "yes"\n',
      'apply',
      '-f',
      '-',
    );
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('The GitRepo "invalid" is invalid');
    expect(invalid.stderr).toContain(
      'spec.paused: Invalid value: "string": spec.paused in body must be of type boolean: "string"',
    );
    expect(invalid.stderr).toContain('spec.repo: Required value');
    expect((await k('get', 'gitrepo', 'invalid', '-n', 'fleet-local')).code).toBe(1);
    const cm = await kIn(
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\n  namespace: default\ndatta:\n  a: b\n',
      'apply',
      '-f',
      '-',
    );
    expect(cm.code).toBe(1);
    expect(cm.stderr).toContain(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "datta"',
    );
  });

  it('patch --type merge and --type json, label, annotate', async () => {
    await ok(kIn(gitRepoYaml('patched', 'fleet-local'), 'apply', '-f', '-'));
    expect(
      await ok(
        k(
          'patch',
          'gitrepo',
          'patched',
          '-n',
          'fleet-local',
          '--type',
          'merge',
          '-p',
          '{"spec":{"paused":true}}',
        ),
      ),
    ).toBe('gitrepo.fleet.cattle.io/patched patched\n');
    expect(
      await ok(
        k(
          'patch',
          'gitrepo',
          'patched',
          '-n',
          'fleet-local',
          '--type',
          'json',
          '-p',
          '[{"op":"add","path":"/spec/branch","value":"dev"}]',
        ),
      ),
    ).toBe('gitrepo.fleet.cattle.io/patched patched\n');
    expect(await ok(k('label', 'gitrepo', 'patched', '-n', 'fleet-local', 'team=blue'))).toBe(
      'gitrepo.fleet.cattle.io/patched labeled\n',
    );
    expect(await ok(k('annotate', 'gitrepo', 'patched', '-n', 'fleet-local', 'note=hello'))).toBe(
      'gitrepo.fleet.cattle.io/patched annotated\n',
    );
    const got = await ok(
      k(
        'get',
        'gitrepo',
        'patched',
        '-n',
        'fleet-local',
        '-o',
        'jsonpath={.spec.paused} {.spec.branch} {.metadata.labels.team} {.metadata.annotations.note}',
      ),
    );
    expect(got).toBe('true dev blue hello');
    const smp = await k(
      'patch',
      'gitrepo',
      'patched',
      '-n',
      'fleet-local',
      '-p',
      '{"spec":{"paused":false}}',
    );
    expect(smp.code).toBe(1);
    expect(smp.stderr).toBe(
      'error: application/strategic-merge-patch+json is not supported by fleet.cattle.io/v1alpha1, Kind=GitRepo: the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml\n',
    );
  });

  it('replace (the edit round trip) succeeds once and conflicts on a stale copy', async () => {
    await ok(kIn(gitRepoYaml('replaced', 'fleet-local'), 'apply', '-f', '-'));
    const yaml = await ok(k('get', 'gitrepo', 'replaced', '-n', 'fleet-local', '-o', 'yaml'));
    const edited = yaml.replace('- simple', '- simple\n    - other');
    expect(await ok(kIn(edited, 'replace', '-f', '-'))).toBe('gitrepo.fleet.cattle.io/replaced replaced\n');
    const stale = await kIn(edited, 'replace', '-f', '-');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(
      'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on gitrepos.fleet.cattle.io "replaced": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it('apply of a List from get -o yaml, and edit through $EDITOR', async () => {
    await ok(kIn(gitRepoYaml('listed', 'fleet-local'), 'apply', '-f', '-'));
    const list = await ok(k('get', 'gitrepos', '-n', 'fleet-local', '-l', 'app=listed', '-o', 'yaml'));
    expect(list).toContain('kind: List');
    const edited = list.replace(/^ *resourceVersion: "\d+"\n/gm, '').replace('- simple', '- listed');
    expect(await ok(kIn(edited, 'apply', '-f', '-'))).toBe('gitrepo.fleet.cattle.io/listed configured\n');
    const bin = await kubectlBinary();
    const script = join(dir, 'editor.sh');
    await writeFile(script, '#!/bin/sh\nsed -i "s/- listed/- via-editor/" "$1"\n', { mode: 0o755 });
    const r = await new Promise<KubectlResult>((resolvePromise) => {
      const child = spawn(
        bin,
        ['--kubeconfig', kubeconfig, 'edit', 'gitrepo', 'listed', '-n', 'fleet-local'],
        {
          env: {
            PATH: process.env.PATH ?? '',
            HOME: join(dir, 'cache'),
            KUBECACHEDIR: join(dir, 'cache'),
            EDITOR: script,
          },
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('gitrepo.fleet.cattle.io/listed edited\n');
    expect(await ok(k('get', 'gitrepo', 'listed', '-n', 'fleet-local', '-o', 'jsonpath={.spec.paths}'))).toBe(
      '["via-editor"]',
    );
  });

  it('delete, and wait --for=delete returns once the last finalizer is removed', async () => {
    await ok(kIn(gitRepoYaml('deleted', 'fleet-local'), 'apply', '-f', '-'));
    expect(await ok(k('delete', 'gitrepo', 'deleted', '-n', 'fleet-local'))).toBe(
      'gitrepo.fleet.cattle.io "deleted" deleted from fleet-local namespace\n',
    );
    await ok(
      kIn(
        gitRepoYaml('held', 'fleet-local').replace('  labels:', '  finalizers:\n  - test/hold\n  labels:'),
        'apply',
        '-f',
        '-',
      ),
    );
    await ok(k('delete', 'gitrepo', 'held', '-n', 'fleet-local', '--wait=false'));
    const waiting = k('wait', '--for=delete', 'gitrepo/held', '-n', 'fleet-local', '--timeout=15s');
    await ok(
      k(
        'patch',
        'gitrepo',
        'held',
        '-n',
        'fleet-local',
        '--type',
        'merge',
        '-p',
        '{"metadata":{"finalizers":null}}',
      ),
    );
    const r = await waiting;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await k('get', 'gitrepo', 'held', '-n', 'fleet-local')).code).toBe(1);
  });
});

describe('kubectl create (protobuf bodies) and categories', () => {
  it('create namespace, configmap and secret, then get them and the fleet category', async () => {
    expect(await ok(k('create', 'namespace', 'created'))).toBe('namespace/created created\n');
    expect(await ok(k('create', 'configmap', 'c1', '-n', 'created', '--from-literal=a=b'))).toBe(
      'configmap/c1 created\n',
    );
    expect(
      await ok(k('create', 'secret', 'generic', 's1', '-n', 'created', '--from-literal=user=admin')),
    ).toBe('secret/s1 created\n');
    expect(await ok(k('get', 'cm', 'c1', '-n', 'created', '-o', 'jsonpath={.data.a}'))).toBe('b');
    expect(await ok(k('get', 'secret', 's1', '-n', 'created', '-o', 'jsonpath={.type} {.data.user}'))).toBe(
      `Opaque ${Buffer.from('admin').toString('base64')}`,
    );
    const dup = await k('create', 'namespace', 'created');
    expect(dup.code).toBe(1);
    expect(dup.stderr).toBe('Error from server (AlreadyExists): namespaces "created" already exists\n');
    await ok(kIn(gitRepoYaml('cat', 'created'), 'apply', '-f', '-'));
    const fleet = await ok(k('get', 'fleet', '-n', 'created'));
    expect(fleet).toMatch(/^NAME\s+REPO\s+COMMIT/);
    expect(fleet).toMatch(/gitrepo\.fleet\.cattle\.io\/cat\s+https/);
  });

  it('delete namespace waits until its contents and the namespace are gone', async () => {
    await ok(k('create', 'namespace', 'doomed'));
    await ok(kIn(gitRepoYaml('inside', 'doomed'), 'apply', '-f', '-'));
    expect(await ok(k('delete', 'namespace', 'doomed'))).toBe('namespace "doomed" deleted\n');
    const gone = await k('get', 'namespace', 'doomed');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe('Error from server (NotFound): namespaces "doomed" not found\n');
  });
});

describe('kubectl get -w', () => {
  it('prints the table, then a line per change', async () => {
    await createNs('watched');
    await ok(kIn(gitRepoYaml('w1', 'watched'), 'apply', '-f', '-'));
    const bin = await kubectlBinary();
    const child = spawn(bin, ['--kubeconfig', kubeconfig, 'get', 'gitrepos', '-n', 'watched', '-w'], {
      env: { PATH: process.env.PATH ?? '', HOME: join(dir, 'cache'), KUBECACHEDIR: join(dir, 'cache') },
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    try {
      await expect.poll(() => out, { timeout: 10_000 }).toMatch(/w1\s+https/);
      await ok(kIn(gitRepoYaml('w2', 'watched'), 'apply', '-f', '-'));
      await expect.poll(() => out, { timeout: 10_000 }).toMatch(/w2\s+https/);
      await ok(k('delete', 'gitrepo', 'w1', '-n', 'watched'));
      await expect
        .poll(() => out.split('\n').filter((l) => l.startsWith('w1')).length, { timeout: 10_000 })
        .toBe(2);
      const lines = out.trim().split('\n');
      expect(lines[0]).toMatch(/^NAME\s+REPO\s+COMMIT/);
      expect(lines.filter((l) => l.startsWith('NAME'))).toHaveLength(1);
      expect(err).toBe('');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
