/**
 * Alerts: consistency findings and silent agents that lasted past a threshold (fleet/live/alerts),
 * as `Query.alerts` and the `alertEvents` subscription. Thresholds are settings
 * (`--alert-stale-deployment-seconds`, `--alert-status-mismatch-seconds`,
 * `--agent-checkin-interval-seconds`); the same alerts are the `fleet_graph_alerts_firing` metric.
 */
import type {
  Alert,
  AlertEvent,
  AlertRule,
  AlertSeverity,
  AlertState,
} from '../../fleet/live/alerts/index.js';
import { builder } from '../builder.js';
import { ObjectReferenceRef } from '../common/meta.js';
import { alertsOf } from './context.js';

const described = <T extends string>(values: Record<T, string>) =>
  Object.fromEntries(
    Object.entries(values).map(([value, description]) => [value, { value, description }]),
  ) as {
    [K in T]: { value: K; description: string };
  };

export const AlertRuleEnum = builder.enumType('AlertRule', {
  description: 'Which rule raised an alert.',
  values: described<AlertRule>({
    STALE_DEPLOYMENT:
      'An orphaned BundleDeployment (its Bundle no longer targets the cluster, or its Bundle, GitRepo or Cluster is gone) outlived the stale threshold (rancher/fleet#3437).',
    STATUS_MISMATCH:
      'A GitRepo or HelmOp status number disagreed with the BundleDeployments that exist for longer than the mismatch threshold.',
    CLUSTER_CHECK_IN_OVERDUE:
      "A Cluster's agent has not checked in (status.agent.lastSeen) for longer than twice the agent check-in interval.",
  }),
});

export const AlertSeverityEnum = builder.enumType('AlertSeverity', {
  description: 'How urgent an alert is.',
  values: described<AlertSeverity>({
    WARNING: 'Fleet is inconsistent: something shows or deploys what it should not.',
    CRITICAL: 'A cluster is out of reach: nothing new is deployed there.',
  }),
});

export const AlertStateEnum = builder.enumType('AlertState', {
  description: 'Where an alert is in its life.',
  values: described<AlertState>({
    PENDING: 'Its condition holds but has not lasted as long as the threshold yet.',
    FIRING: 'Its condition has lasted longer than the threshold and still holds.',
    RESOLVED: 'It fired and its condition has since gone (the most recent resolved alerts are kept).',
  }),
});

export const AlertEventTypeEnum = builder.enumType('AlertEventType', {
  description: 'What happened to an alert.',
  values: described<AlertEvent['type']>({
    FIRING: 'The alert started firing: its condition outlived the threshold.',
    RESOLVED: 'A firing alert resolved: its condition is gone.',
  }),
});

const seconds = (ms: number) => Math.max(0, Math.floor(ms / 1000));

export const AlertRef = builder.objectRef<Alert>('Alert').implement({
  description: 'A condition in Fleet that lasted long enough to need attention, with its timeline.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'Stable while the condition lasts: the rule and its subject.' }),
    rule: t.field({ type: AlertRuleEnum, description: 'The rule that raised it.', resolve: (a) => a.rule }),
    severity: t.field({
      type: AlertSeverityEnum,
      description: 'How urgent it is.',
      resolve: (a) => a.severity,
    }),
    state: t.field({
      type: AlertStateEnum,
      description: 'Pending, firing or resolved.',
      resolve: (a) => a.state,
    }),
    workspace: t.exposeString('workspace', { description: 'The workspace (namespace) it concerns.' }),
    summary: t.exposeString('summary', { description: 'One sentence explaining it.' }),
    since: t.field({
      type: 'DateTime',
      description: 'When its condition started (gateway clock).',
      resolve: (a) => a.since,
    }),
    firesAt: t.field({
      type: 'DateTime',
      description: 'When it fires (or fired): `since` plus the rule threshold.',
      resolve: (a) => a.fireAt,
    }),
    firedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it started firing; null while pending.',
      resolve: (a) => a.firedAt ?? null,
    }),
    resolvedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it resolved; null unless resolved.',
      resolve: (a) => a.resolvedAt ?? null,
    }),
    ageSeconds: t.int({
      description:
        'Seconds its condition has lasted (until it resolved, for resolved alerts), on the gateway clock.',
      resolve: (a, _args, ctx) => seconds((a.resolvedAt ?? alertsOf(ctx).now()) - a.since),
    }),
    thresholdSeconds: t.int({
      description: 'How long the condition must last before the alert fires.',
      resolve: (a) => seconds(a.fireAt - a.since),
    }),
    inconsistencyId: t.string({
      nullable: true,
      description:
        'The id of the Inconsistency behind it (see `Query.inconsistencies`), for finding-based rules.',
      resolve: (a) => a.inconsistencyId ?? null,
    }),
    gitRepoRef: t.field({
      type: ObjectReferenceRef,
      nullable: true,
      description: 'The GitRepo concerned, by name.',
      resolve: (a) => a.gitRepo ?? null,
    }),
    bundleRef: t.field({
      type: ObjectReferenceRef,
      nullable: true,
      description: 'The Bundle concerned, by name.',
      resolve: (a) => a.bundle ?? null,
    }),
    clusterRef: t.field({
      type: ObjectReferenceRef,
      nullable: true,
      description: 'The Cluster concerned, by name.',
      resolve: (a) => a.cluster ?? null,
    }),
    bundleDeploymentRef: t.field({
      type: ObjectReferenceRef,
      nullable: true,
      description: 'The BundleDeployment concerned, by name.',
      resolve: (a) => a.bundleDeployment ?? null,
    }),
  }),
});

export const AlertEventRef = builder.objectRef<AlertEvent>('AlertEvent').implement({
  description: 'An alert starting to fire, or resolving.',
  fields: (t) => ({
    type: t.field({ type: AlertEventTypeEnum, description: 'What happened.', resolve: (e) => e.type }),
    alert: t.field({ type: AlertRef, description: 'The alert, as of this event.', resolve: (e) => e.alert }),
    at: t.field({
      type: 'DateTime',
      description: 'When fleet-graph noticed it (gateway clock).',
      resolve: (e) => e.at,
    }),
  }),
});

builder.queryFields((t) => ({
  alerts: t.field({
    type: [AlertRef],
    description:
      'Alerts: firing first, then pending, then the most recently resolved; each filter narrows the list.',
    args: {
      workspace: t.arg.string({ required: false, description: 'Only alerts about this workspace.' }),
      severity: t.arg({
        type: AlertSeverityEnum,
        required: false,
        description: 'Only alerts of this severity.',
      }),
      state: t.arg({ type: AlertStateEnum, required: false, description: 'Only alerts in this state.' }),
      rule: t.arg({ type: AlertRuleEnum, required: false, description: 'Only alerts raised by this rule.' }),
    },
    resolve: (_r, args, ctx) =>
      alertsOf(ctx).alerts({
        workspace: args.workspace ?? undefined,
        severity: args.severity ?? undefined,
        states: args.state ? [args.state] : undefined,
        rules: args.rule ? [args.rule] : undefined,
      }),
  }),
}));

builder.subscriptionFields((t) => ({
  alertEvents: t.field({
    type: AlertEventRef,
    description:
      'Alerts as they start firing and resolve. A subscriber that falls 256 events behind is cut off with SUBSCRIBER_TOO_SLOW.',
    args: {
      workspace: t.arg.string({ required: false, description: 'Only alerts about this workspace.' }),
      severity: t.arg({
        type: AlertSeverityEnum,
        required: false,
        description: 'Only alerts of this severity.',
      }),
      rule: t.arg({ type: AlertRuleEnum, required: false, description: 'Only alerts raised by this rule.' }),
    },
    subscribe: (_r, args, ctx) =>
      alertsOf(ctx).events({
        workspace: args.workspace ?? undefined,
        severity: args.severity ?? undefined,
        rules: args.rule ? [args.rule] : undefined,
      }),
    resolve: (event) => event,
  }),
}));
