/** The HelmOp type's ref, declared apart from its fields so other nouns can point at it. */
import type { HelmOpRecord } from '../../fleet/rules/read-model.js';
import { builder } from '../builder.js';
import { connectionOf } from '../common/connection.js';

export const HelmOpRef = builder.objectRef<HelmOpRecord>('HelmOp');

export const HelmOpConnectionRef = connectionOf(HelmOpRef, 'HelmOp', 'HelmOps');
