import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../shared/errors.js';
import type { GitRepoRecord } from '../rules/read-model.js';
import { aGitRepo } from '../../../../test/support/fleet-builders.js';
import {
  encodeOperation,
  operationOf,
  RETARGET_OPERATION_ANNOTATION,
  signOperation,
  TAMPERED_MESSAGE,
  UNVERIFIABLE_MESSAGE,
  type RetargetOperation,
} from './operation.js';
import { canonicalJson, MIN_SIGNING_KEY_BYTES, OperationSigner } from './signing.js';

const signer = OperationSigner.fromKey(Buffer.alloc(32, 7));
const otherKey = OperationSigner.fromKey(Buffer.alloc(32, 8));

const op: RetargetOperation = {
  id: 'rt-1',
  namespace: 'fleet-default',
  name: 'a',
  state: 'RUNNING',
  strategy: {
    batchSize: 1,
    pauseBetweenMs: 0,
    waitForReady: true,
    abortOnFailure: true,
    stepTimeoutMs: 1000,
  },
  prune: true,
  steps: [
    {
      targets: [{ name: 'fleet-graph-c1', clusterName: 'c1' }],
      added: ['c1'],
      removed: [],
      state: 'APPLIED',
      appliedAt: '2026-01-01T00:00:00Z',
    },
    {
      targets: [{ name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } } }],
      added: ['c2'],
      removed: [],
      state: 'PENDING',
    },
  ],
  currentStep: 0,
  startedAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  failures: [],
  startedBy: 'alice',
  startedByUser: { name: 'alice', uid: 'u-alice', groups: ['dev', 'system:authenticated'] },
  fromTargets: [{ name: 'none', clusterName: 'c0', clusterGroup: undefined }],
};

/** The GitRepo `a` (uid `uid-a`) carrying `record` as its annotation, encoded as the gateway would. */
function repoWith(record: unknown, uid = 'uid-a'): GitRepoRecord {
  const raw = typeof record === 'string' ? record : JSON.stringify(record);
  return { ...aGitRepo({ name: 'a', annotations: { [RETARGET_OPERATION_ANNOTATION]: raw } }), uid };
}

describe('operation record signing', () => {
  const signed = signOperation(op, 'uid-a', signer);

  it('a record the gateway signed reads back as it was, and stays valid as its progress changes', () => {
    expect(signed.signature).toMatch(/^v1\.[A-Za-z0-9_-]{43}$/);
    expect(operationOf(repoWith(encodeOperation(signed)), signer)).toEqual(
      JSON.parse(encodeOperation(signed)),
    );
    // What the runner and a cancel change is not covered: state, steps' progress, failures, times.
    const progressed: RetargetOperation = {
      ...signed,
      state: 'CANCELLED',
      currentStep: 1,
      steps: signed.steps.map((s) => ({ ...s, state: 'CONVERGED', convergedAt: '2026-01-01T00:01:00Z' })),
      failures: [{ step: 0, message: 'x' }],
      updatedAt: '2026-01-01T00:02:00Z',
      updatedBy: 'replica-b',
      message: 'cancelled',
    };
    expect(operationOf(repoWith(progressed), signer)?.state).toBe('CANCELLED');
  });

  it.each([
    [
      'startedByUser.name',
      (r: RetargetOperation) => ({ ...r, startedByUser: { name: 'admin', groups: [] } }),
    ],
    [
      'startedByUser.groups',
      (r: RetargetOperation) => ({
        ...r,
        startedByUser: { name: 'alice', uid: 'u-alice', groups: ['system:masters'] },
      }),
    ],
    ['startedBy', (r: RetargetOperation) => ({ ...r, startedBy: 'admin' })],
    ['id', (r: RetargetOperation) => ({ ...r, id: 'rt-2' })],
    ['prune', (r: RetargetOperation) => ({ ...r, prune: false })],
    [
      "a step's targets",
      (r: RetargetOperation) => ({
        ...r,
        steps: r.steps.map((s, i) =>
          i === 1 ? { ...s, targets: [{ name: 'all', clusterSelector: {} }] } : s,
        ),
      }),
    ],
    ['fromTargets', (r: RetargetOperation) => ({ ...r, fromTargets: [] })],
  ])('a record whose %s was edited is FAILED with the reason, not run', (_what, edit) => {
    const read = operationOf(repoWith(edit(signed)), signer);
    expect(read).toMatchObject({ state: 'FAILED', steps: [], message: TAMPERED_MESSAGE });
    // Nothing of the edit is carried: no user to act as, no step to write.
    expect(read?.startedByUser).toBeUndefined();
  });

  it('a record without a signature, or with a malformed one, is FAILED', () => {
    const { signature: _dropped, ...unsigned } = signed;
    expect(operationOf(repoWith(unsigned), signer)).toMatchObject({
      state: 'FAILED',
      message: TAMPERED_MESSAGE,
    });
    expect(operationOf(repoWith({ ...signed, signature: 'v1.short' }), signer)?.state).toBe('FAILED');
    expect(operationOf(repoWith({ ...signed, signature: 42 }), signer)?.state).toBe('FAILED');
  });

  it('a record signed with another key, or for another GitRepo object, does not verify', () => {
    expect(operationOf(repoWith(signed), otherKey)).toMatchObject({
      state: 'FAILED',
      message: TAMPERED_MESSAGE,
    });
    // The same name re-created (new uid): the old record is not the new object's.
    expect(operationOf(repoWith(signed, 'uid-a-recreated'), signer)?.state).toBe('FAILED');
  });

  it("a process's own key says a record from elsewhere cannot be resumed here", () => {
    const { signer: local } = OperationSigner.forProcess();
    expect(local.shared).toBe(false);
    expect(OperationSigner.forProcess()).toEqual({ signer: local, created: false });
    expect(operationOf(repoWith(signed), local)).toMatchObject({
      state: 'FAILED',
      message: UNVERIFIABLE_MESSAGE,
    });
    const own = signOperation(op, 'uid-a', local);
    expect(operationOf(repoWith(own), local)?.state).toBe('RUNNING');
  });

  it('compares whole signatures: a prefix or a different one of the same length fails', () => {
    const payload = canonicalJson({ b: 1, a: [1, { d: undefined, c: null }] });
    expect(payload).toBe('{"a":[1,{"c":null}],"b":1}');
    const sig = signer.sign(payload);
    expect(signer.verify(payload, sig)).toBe(true);
    expect(signer.verify(payload, sig.slice(0, -1))).toBe(false);
    expect(signer.verify(payload, `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(signer.verify(payload, undefined)).toBe(false);
    expect(otherKey.verify(payload, sig)).toBe(false);
  });
});

describe('the signing key file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-graph-key-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the key without its trailing newline; the same key verifies what the other signed', () => {
    const file = join(dir, 'key');
    const key = 'k'.repeat(MIN_SIGNING_KEY_BYTES);
    writeFileSync(file, `${key}\n`);
    const fromFile = OperationSigner.fromFile(file);
    expect(fromFile.shared).toBe(true);
    const payload = canonicalJson({ id: 'x' });
    expect(OperationSigner.fromKey(Buffer.from(key)).verify(payload, fromFile.sign(payload))).toBe(true);
  });

  it('refuses a short, missing or empty key with INVALID_CONFIG', () => {
    const short = join(dir, 'short');
    writeFileSync(short, 'too-short\n');
    expect(() => OperationSigner.fromFile(short)).toThrow(
      expect.objectContaining({
        code: ErrorCode.INVALID_CONFIG,
        message: expect.stringContaining('32 bytes'),
      }),
    );
    expect(() => OperationSigner.fromFile(join(dir, 'absent'))).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_CONFIG, message: expect.stringContaining('ENOENT') }),
    );
    const empty = join(dir, 'empty');
    writeFileSync(empty, '\n');
    expect(() => OperationSigner.fromFile(empty)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_CONFIG }),
    );
  });
});
