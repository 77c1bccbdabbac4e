/**
 * Copies `source`'s own enumerable members onto `target` by assignment, in `source`'s order, skipping the
 * names in `except`: what `{ ...target, ...source }` gives for a JSON input, without the spread.
 *
 * Why not a spread: V8 clones a spread's source (a JSON.parse object) with its hidden class, and setting
 * the members ECS fills in on that clone made new hidden classes on every RegisterTaskDefinition (two
 * registrations of the same input: none of their containers or port mappings shared one), so each stored
 * record carried classes of its own and every read of it missed V8's inline caches. Objects built by
 * assignment from `{}` in the same order share one class. (docs/benchmarks.md, "Issue #18, hot-path round 2".)
 */
export function copyMembers<T extends object>(target: T, source: object, except?: string): T {
  const from = source as Record<string, unknown>;
  const to = target as Record<string, unknown>;
  for (const key of Object.keys(from)) {
    if (key === except) continue;
    // A key named `__proto__` (JSON.parse makes it an own member) must stay a member, as a spread keeps it.
    if (key === '__proto__') {
      Object.defineProperty(to, key, { value: from[key], enumerable: true, writable: true, configurable: true });
    } else to[key] = from[key];
  }
  return target;
}
