/** The Workspace type's ref, declared apart from its fields so other nouns can point at it. */
import { builder } from '../builder.js';

/** A workspace is a namespace holding Fleet objects; the record is just its name. */
export interface WorkspaceShape {
  readonly name: string;
}

export const WorkspaceRef = builder.objectRef<WorkspaceShape>('Workspace');
