/**
 * The RBAC-least proof for the chart's roles, against the emulator's RBAC enforcement:
 *
 * 1. render the chart, apply its ClusterRole, Role and bindings to the emulator, and give the
 *    chart's service account a token (token file user `system:serviceaccount:<ns>:<name>`);
 * 2. run the gateway with `--backend kubeconfig` and that token, `--auth kubernetes` and
 *    `--leader-election-namespace <ns>`;
 * 3. run the checks that matter and see them pass: queries, a subscription, a retarget through
 *    impersonation (the caller's own RBAC decides), and the staged runner holding its Lease;
 * 4. for each rule of the rendered roles, remove just that rule, run the checks again, and see at
 *    least one fail with FORBIDDEN, so no rule is superfluous.
 *
 * Steps 2–4 need the gateway to authenticate callers and impersonate them for writes, and the
 * leader Lease; the test stays skipped until both are part of the gateway.
 */
import { describe, it } from 'vitest';

const WAITING_FOR =
  'RBAC-least proof skipped: waits for gateway authentication and impersonation (--auth kubernetes) and leader election on a Lease (--leader-election-namespace) to land';

describe('chart RBAC is least privilege (emulator RBAC)', () => {
  it.skip(WAITING_FOR, () => {});
});
