/** The ClusterGroup type's ref, declared apart from its fields so other nouns can point at it. */
import type { ClusterGroupRecord } from '../../fleet/rules/read-model.js';
import { builder } from '../builder.js';
import { connectionOf } from '../common/connection.js';

export const ClusterGroupRef = builder.objectRef<ClusterGroupRecord>('ClusterGroup');

export const ClusterGroupConnectionRef = connectionOf(ClusterGroupRef, 'ClusterGroup', 'ClusterGroups');
