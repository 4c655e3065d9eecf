/** The Bundle type's ref, declared apart from its fields so other nouns can point at it. */
import type { BundleRecord } from '../../fleet/rules/read-model.js';
import { builder } from '../builder.js';
import { connectionOf } from '../common/connection.js';

export const BundleRef = builder.objectRef<BundleRecord>('Bundle');

export const BundleConnectionRef = connectionOf(BundleRef, 'Bundle', 'Bundles');
