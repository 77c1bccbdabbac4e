/*
 * Durable state comes from @localcloud/persistence: one journal-backed store per account and region when
 * persistence is on, an in-memory one otherwise. This file is the only place the provider names it.
 */
export { openStateStore, type DurableTable, type StateStore } from '@localcloud/persistence';
