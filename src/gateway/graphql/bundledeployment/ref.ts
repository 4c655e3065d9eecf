/** The BundleDeployment type's ref, declared apart from its fields so other nouns can point at it. */
import type { BundleDeploymentRecord } from '../../fleet/rules/read-model.js';
import { builder } from '../builder.js';
import { connectionOf } from '../common/connection.js';

export const BundleDeploymentRef = builder.objectRef<BundleDeploymentRecord>('BundleDeployment');

export const BundleDeploymentConnectionRef = connectionOf(
  BundleDeploymentRef,
  'BundleDeployment',
  'BundleDeployments',
);
