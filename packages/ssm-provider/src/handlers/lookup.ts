import { parameterNotFound, versionNotFound } from '../errors';
import { candidates, splitSelector } from '../names';
import type { SSMStore, ParameterRecord, ParameterVersionRecord } from '../store';
import { latest } from '../store';

/** The stored parameter a name or ARN (without selector) means, or undefined. */
export function findParameter(store: SSMStore, reference: string): ParameterRecord | undefined {
  for (const name of candidates(reference)) {
    const record = store.parameters.get(name);
    if (record) return record;
  }
  return undefined;
}

export function getParameterRecord(store: SSMStore, reference: string): ParameterRecord {
  const record = findParameter(store, reference);
  if (!record) throw parameterNotFound(reference);
  return record;
}

/**
 * The version `name`, `name:3` or `name:label` (or their ARN forms) means, SSM's errors when there is none.
 */
export function resolveSelector(
  store: SSMStore,
  reference: string,
): { record: ParameterRecord; version: ParameterVersionRecord; selector?: string } {
  const { name, selector } = splitSelector(reference);
  const record = getParameterRecord(store, name);
  if (selector === undefined) return { record, version: latest(record) };
  const version = /^\d+$/.test(selector)
    ? record.versions.find((v) => v.version === Number(selector))
    : record.versions.find((v) => v.labels.includes(selector));
  if (!version) throw versionNotFound(record.name, selector);
  return { record, version, selector };
}
