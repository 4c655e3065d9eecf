/** The Inconsistency type's ref, declared apart from its fields so other nouns can point at it. */
import type { Inconsistency } from '../../fleet/rules/read-model.js';
import { builder } from '../builder.js';
import { connectionOf } from '../common/connection.js';

export const InconsistencyRef = builder.objectRef<Inconsistency>('Inconsistency');

export const InconsistencyConnectionRef = connectionOf(InconsistencyRef, 'Inconsistency', 'inconsistencies');
