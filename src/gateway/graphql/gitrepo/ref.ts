/** The GitRepo type's ref, declared apart from its fields so other nouns can point at it. */
import type { GitRepoRecord } from '../../fleet/rules/read-model.js';
import { builder } from '../builder.js';
import { connectionOf } from '../common/connection.js';

export const GitRepoRef = builder.objectRef<GitRepoRecord>('GitRepo');

export const GitRepoConnectionRef = connectionOf(GitRepoRef, 'GitRepo', 'GitRepos');
