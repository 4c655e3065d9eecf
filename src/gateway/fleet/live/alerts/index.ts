/** fleet/live/alerts: alert rules over consistency findings and cluster check-ins, with their lifecycle. */
export { AlertEngine, followFleet } from './engine.js';
export type {
  Alert,
  AlertEngineOptions,
  AlertEvent,
  AlertFilter,
  AlertInputs,
  AlertListener,
  AlertState,
} from './engine.js';
export {
  ALERT_RULES,
  DEFAULT_THRESHOLDS,
  SEVERITY,
  alertConditions,
  checkInOverdueSince,
  nextCheckInDeadline,
} from './rules.js';
export type { AlertCondition, AlertRule, AlertSeverity, AlertThresholds, RuleInput } from './rules.js';
