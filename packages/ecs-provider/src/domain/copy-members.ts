/**
 * Copies `source`'s own enumerable members that `members` names onto `target` by assignment, in `source`'s
 * order: what `{ ...target, ...source }` gives for a JSON input, without the spread and without members the
 * API does not have (AWS ignores those; kept, they would be stored and echoed, or override what ECS sets).
 *
 * Why not a spread: V8 clones a spread's source (a JSON.parse object) with its hidden class, and setting
 * the members ECS fills in on that clone made new hidden classes on every RegisterTaskDefinition (two
 * registrations of the same input: none of their containers or port mappings shared one), so each stored
 * record carried classes of its own and every read of it missed V8's inline caches. Objects built by
 * assignment from `{}` in the same order share one class. (docs/benchmarks.md, "Issue #18, hot-path round 2".)
 */
export function copyMembers<T extends object>(target: T, source: object, members: ReadonlySet<string>): T {
  const from = source as Record<string, unknown>;
  const to = target as Record<string, unknown>;
  // Only model members are assigned, so a JSON `__proto__` member (never one) cannot reach the prototype.
  // for-in with an own-property check visits what Object.keys lists, in its order, without making the
  // list (V8's enum cache; ~0.3 kB of the young generation per Register's containers and port mappings).
  for (const key in from) if (hasOwn.call(from, key) && members.has(key)) to[key] = from[key];
  return target;
}

const hasOwn = Object.prototype.hasOwnProperty;
