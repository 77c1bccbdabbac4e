import type { TaskRecord } from './task-record';

/**
 * A copy of a stored task that `TaskRuntime.mutate`'s changes may edit: the task itself, each of its
 * containers and attachments, and its runtime plan with each runtime container are fresh objects;
 * everything deeper (bindings, interfaces, details, overrides, volumes…) is shared with the stored
 * record, which is frozen, so a change that edits deeper throws instead of altering the stored task.
 * A full `structuredClone` of the task per change was a visible share of StopTask's CPU; these few
 * spreads cost a fraction, and the store then copies only the new parts (`toStoredValue`).
 */
export function editableTask(record: TaskRecord): TaskRecord {
  const next: TaskRecord = { ...record };
  if (record.containers) next.containers = record.containers.map((container) => ({ ...container }));
  if (record.attachments) next.attachments = record.attachments.map((attachment) => ({ ...attachment }));
  if (record.runtime) {
    next.runtime = { ...record.runtime, containers: record.runtime.containers.map((container) => ({ ...container })) };
  }
  return next;
}
