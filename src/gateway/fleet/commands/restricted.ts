/**
 * RESTRICTED: a GitRepoRestriction of the namespace would refuse the GitRepo as it is after the
 * write (rules/restrictions.ts, docs/fleet/sources.md §9.1), so Fleet would set `Accepted=False`
 * and write no Bundles for it; the write is refused before anything is sent.
 */
import { ErrorCode } from '../../../shared/errors.js';
import type { Snapshot } from '../../store/records.js';
import {
  gitRepoRestrictionVerdict,
  restrictionRefusal,
  type RestrictedFields,
} from '../rules/restrictions.js';
import { userError, type UserError } from './results.js';

export function restrictedProblems(
  snapshot: Pick<Snapshot, 'list'>,
  namespace: string,
  name: string,
  fields: RestrictedFields,
): UserError[] {
  const v = gitRepoRestrictionVerdict(snapshot, namespace, fields);
  return v.accepted ? [] : [userError(ErrorCode.RESTRICTED, restrictionRefusal(`${namespace}/${name}`, v))];
}
