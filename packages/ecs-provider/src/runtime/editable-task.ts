import type { TaskRecord } from './task-record';

/**
 * The parts of a stored task besides its own members that a change edits: each named part becomes a fresh
 * object in the copy; the others stay the stored (frozen) ones, which the store's copy then keeps without
 * a walk (`toStoredValue`). A change of the task's own members only (a status, a time) names none.
 */
export interface EditableParts {
  readonly containers?: boolean;
  readonly attachments?: boolean;
  readonly runtime?: boolean;
}

/** Every part: what a change that may edit anything asks for. */
export const ALL_PARTS: EditableParts = { containers: true, attachments: true, runtime: true };

/**
 * A copy of a stored task that `TaskRuntime.mutate`'s changes may edit: the task itself and, as `parts`
 * names them, each of its containers and attachments, and its runtime plan with each runtime container are
 * fresh objects; everything else (bindings, interfaces, details, overrides, volumes…, and the parts not
 * named) is shared with the stored record, which is frozen, so a change that edits there throws instead of
 * altering the stored task. A full `structuredClone` of the task per change was a visible share of
 * StopTask's CPU; these few spreads cost a fraction, and the store then copies only the new parts
 * (`toStoredValue`).
 */
export function editableTask(record: TaskRecord, parts: EditableParts = ALL_PARTS): TaskRecord {
  const next: TaskRecord = { ...record };
  if (parts.containers && record.containers) next.containers = record.containers.map((container) => ({ ...container }));
  if (parts.attachments && record.attachments)
    next.attachments = record.attachments.map((attachment) => ({ ...attachment }));
  if (parts.runtime && record.runtime) {
    next.runtime = { ...record.runtime, containers: record.runtime.containers.map((container) => ({ ...container })) };
  }
  return next;
}

/** Whether two objects have the same own members, each the same value (`Object.is`): a change that changed nothing. */
export function sameMembers(a: object, b: object): boolean {
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return false;
  for (const key of keysA) {
    if (!Object.prototype.hasOwnProperty.call(b, key)) return false;
    if (!Object.is((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}
