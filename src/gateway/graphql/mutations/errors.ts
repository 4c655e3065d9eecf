/**
 * User errors of the mutations: the stable `UserErrorCode` enum and the `UserError` object with a
 * field path, so automation can act on problems without parsing top-level errors.
 */
import type { UserError } from '../../fleet/commands/index.js';
import { builder } from '../builder.js';

export const UserErrorCodeEnum = builder.enumType('UserErrorCode', {
  description: 'Why a mutation did not (fully) do what was asked. Stable: automation may branch on it.',
  values: {
    INVALID_TARGET: {
      description: 'A target is invalid (selector syntax, names, duplicates, an empty list).',
    },
    INVALID_ARGUMENT: { description: 'Another input is invalid (strategy values, names, paths).' },
    CONFLICT: {
      description:
        'The object changed since `expectedResourceVersion` (or an operation is already running); nothing was written.',
    },
    NOT_FOUND: { description: 'The GitRepo (or operation) does not exist.' },
    FORBIDDEN: { description: 'The caller may not do this.' },
    TIMEOUT: { description: 'The write was made but did not come back through the watch in time.' },
    UNAVAILABLE: { description: 'The Kubernetes API could not be reached or failed.' },
    RESTRICTED: {
      description:
        'A GitRepoRestriction of the namespace refuses the GitRepo as it would be after the write (target namespace, service account, repo URL or client secret outside its allow-lists): Fleet would set `Accepted=False` and write no Bundles for it; nothing was written.',
    },
  } as const,
});

type UserErrorCodeName =
  | 'INVALID_TARGET'
  | 'INVALID_ARGUMENT'
  | 'CONFLICT'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'TIMEOUT'
  | 'UNAVAILABLE'
  | 'RESTRICTED';

/** Domain codes as the public enum (a selector problem is a target problem to the caller). */
export function publicCode(code: string): UserErrorCodeName {
  if (code === 'INVALID_SELECTOR') return 'INVALID_TARGET';
  const known: readonly string[] = [
    'INVALID_TARGET',
    'INVALID_ARGUMENT',
    'CONFLICT',
    'NOT_FOUND',
    'FORBIDDEN',
    'TIMEOUT',
    'RESTRICTED',
  ];
  return known.includes(code) ? (code as UserErrorCodeName) : 'UNAVAILABLE';
}

export const UserErrorRef = builder.objectRef<UserError>('UserError').implement({
  description: 'A problem the caller can fix, with a stable code and the path of the offending input.',
  fields: (t) => ({
    code: t.field({
      type: UserErrorCodeEnum,
      description: 'Stable error code.',
      resolve: (e) => publicCode(e.code),
    }),
    message: t.exposeString('message', { description: 'What is wrong, in one sentence.' }),
    field: t.string({
      nullable: true,
      description:
        'Path of the offending input, e.g. `targets[1].clusterSelector.matchExpressions[0].operator`.',
      resolve: (e) => e.field ?? null,
    }),
    currentResourceVersion: t.string({
      nullable: true,
      description: "For CONFLICT: the object's resourceVersion now, to retry against after reading it again.",
      resolve: (e) => e.currentResourceVersion ?? null,
    }),
  }),
});
