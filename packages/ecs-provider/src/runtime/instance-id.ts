import { randomBytes } from 'node:crypto';
import type { StateStore } from '@localcloud/persistence';
import { ECS_TABLES } from '../store/ecs-store';

/**
 * This gateway's identity as the owner of its containers: kept in the state store, so a persistent
 * gateway is the same instance after a restart (and re-adopts and cleans up its own containers), while
 * one without persistence is a new instance each time. Another gateway on the same engine never shares
 * it, whatever its container prefix.
 */
export function instanceIdOf(state: StateStore): string {
  const table = state.table<string>(ECS_TABLES.instance);
  let id = table.get('id');
  if (id === undefined) {
    id = randomBytes(8).toString('hex');
    table.put('id', id);
  }
  return id;
}
