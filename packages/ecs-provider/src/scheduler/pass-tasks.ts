import type { ScopedTasks } from '../runtime/scoped-tasks';
import type { TaskRecord } from '../runtime/task-record';
import type { EcsStore } from '../store/ecs-store';

/**
 * The tasks of each cluster by group (`service:<name>`), read once per scheduler pass instead of once
 * per service: with 1,000 services in a cluster of 200 tasks, every service's pass read all 200 tasks
 * (200,000 reads a second idle). A pass over all services is synchronous and a service's pass only adds
 * tasks of its own group (stops finish later, in the background), so what one service's pass does never
 * changes the lists the later services of the same pass are given.
 */
export class PassTasks {
  private readonly byStore = new Map<EcsStore, Map<string, Map<string | undefined, TaskRecord[]>>>();

  /** The cluster's tasks in `group`, oldest first, as they were when the pass first read the cluster. */
  ofGroup(store: EcsStore, scoped: ScopedTasks, clusterName: string, group: string): readonly TaskRecord[] {
    let clusters = this.byStore.get(store);
    if (!clusters) this.byStore.set(store, (clusters = new Map()));
    let groups = clusters.get(clusterName);
    if (!groups) {
      clusters.set(clusterName, (groups = new Map()));
      for (const task of scoped.inCluster(clusterName)) {
        const list = groups.get(task.group);
        if (list) list.push(task);
        else groups.set(task.group, [task]);
      }
    }
    return groups.get(group) ?? [];
  }
}
