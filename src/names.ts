// Names of what a workspace defines (executors, bindings, hooks): one pattern, and schemas that say which name is meant.
import { Type } from '@sinclair/typebox';

/** Lower-case letter first, then letters, digits, `_` and `-`; at most 63 characters (safe in paths, folders and URLs). */
export const NAME_PATTERN = '^[a-z][a-z0-9_-]{0,62}$';

/** The name of the resource itself: unique per workspace among its kind. */
export const ResourceName = Type.String({ pattern: NAME_PATTERN, description: 'unique per workspace' });

/** A reference, by name, to an executor of the same workspace. */
export const ExecutorReference = Type.String({ pattern: NAME_PATTERN, description: 'the name of an executor of this workspace' });
