import type { CloudMapInstance } from '../discovery/registration';
import type { TaskTarget } from '../load-balancing/targets';
import type { TaskRecord, TaskRef } from '../runtime/task-record';

/**
 * What each registrar may have registered a task in, kept on the task's record: written before it calls
 * RegisterInstance or RegisterTargets and trimmed once a deregistration took effect. So a task leaves
 * exactly what it joined, even when what its deployment says is gone (a deleted task set) or unknown to
 * this process (a restart): deregistration reads these, never the service as it is now.
 */
export interface TaskHoldings {
  readonly cloudMap?: readonly CloudMapInstance[];
  readonly targets?: readonly TaskTarget[];
}

export type HoldingsKind = keyof TaskHoldings;

/** Where a registrar reads and writes the task records its holdings are kept on. */
export interface HoldingsStore {
  readonly get: (ref: TaskRef) => TaskRecord | undefined;
  /** Stores a new version of the record (without telling the task's followers: nothing they read changed). */
  readonly put: (record: TaskRecord) => void;
  /** Resolves once what was put is durable (with `PERSISTENCE=1`), before the registration it announces. */
  readonly durable?: () => Promise<void>;
}

/** The task's holdings of one registrar; undefined on a record written before holdings were kept. */
export function holdingsOf<K extends HoldingsKind>(
  task: TaskRecord | undefined,
  kind: K,
): NonNullable<TaskHoldings[K]> | undefined {
  return task?.holdings?.[kind] as NonNullable<TaskHoldings[K]> | undefined;
}

/**
 * Writes one registrar's holdings on the task's current record (a new record: stored ones never change),
 * awaiting durability when asked; does nothing when they are unchanged or the task is gone.
 */
export async function writeHoldings<K extends HoldingsKind>(
  store: HoldingsStore,
  ref: TaskRef,
  kind: K,
  list: NonNullable<TaskHoldings[K]>,
  options: { durable?: boolean } = {},
): Promise<void> {
  const current = store.get(ref);
  if (!current) return;
  const before = current.holdings?.[kind] ?? [];
  if (JSON.stringify(before) === JSON.stringify(list)) return;
  const holdings: Record<string, unknown> = { ...current.holdings };
  if (list.length > 0) holdings[kind] = [...list];
  else delete holdings[kind];
  const next: TaskRecord = { ...current, holdings: holdings as TaskHoldings };
  if (Object.keys(holdings).length === 0) delete next.holdings;
  store.put(next);
  if (options.durable) await store.durable?.();
}
