/** The Cluster type's ref, declared apart from its fields so other nouns can point at it. */
import type { ClusterRecord } from '../../fleet/rules/read-model.js';
import { builder } from '../builder.js';
import { connectionOf } from '../common/connection.js';

export const ClusterRef = builder.objectRef<ClusterRecord>('Cluster');

export const ClusterConnectionRef = connectionOf(ClusterRef, 'Cluster', 'Clusters');
