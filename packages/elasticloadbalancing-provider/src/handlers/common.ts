import { truncateText, quoted } from '@localcloud/gateway';
import type { ElasticLoadBalancingV2Store } from '../store';
import type { ListenerRecord, LoadBalancerRecord, Tag, TargetGroupRecord } from '../domain/records';
import {
  DuplicateTagKeys,
  TooManyTags,
  ValidationError,
  listenerNotFound,
  loadBalancerNotFound,
  targetGroupNotFound,
} from '../errors';

export const MAX_TAGS = 50;

/** Tags as given: keys unique, at most 50 on a resource. */
export function checkTags(tags: readonly Tag[] | undefined): Tag[] {
  const list = [...(tags ?? [])];
  const seen = new Set<string>();
  for (const tag of list) {
    if (seen.has(tag.Key)) throw new DuplicateTagKeys(`Tag key '${tag.Key}' is duplicated`);
    seen.add(tag.Key);
  }
  if (list.length > MAX_TAGS) throw new TooManyTags(`The quota for the number of tags (${MAX_TAGS}) was reached`);
  return list;
}

/** Describe* paging: `Marker` is the index of the next item, as an opaque string. */
export function paginate<T>(items: readonly T[], marker: string | undefined, pageSize: number | undefined) {
  const start = marker === undefined ? 0 : Number.parseInt(marker, 10);
  if (!Number.isInteger(start) || start < 0 || start > items.length) {
    throw new ValidationError(`The marker '${quoted(marker ?? '')}' is not valid`);
  }
  const size = pageSize ?? 400;
  const page = items.slice(start, start + size);
  const next = start + size < items.length ? String(start + size) : undefined;
  return { page, next };
}

export function requireLoadBalancer(store: ElasticLoadBalancingV2Store, arn: string): LoadBalancerRecord {
  const lb = store.loadBalancers.get(arn);
  if (!lb) throw loadBalancerNotFound();
  return lb;
}

export function requireTargetGroup(store: ElasticLoadBalancingV2Store, arn: string): TargetGroupRecord {
  const tg = store.targetGroups.get(arn);
  if (!tg) throw targetGroupNotFound();
  return tg;
}

export function requireListener(store: ElasticLoadBalancingV2Store, arn: string): ListenerRecord {
  const listener = store.listeners.get(arn);
  if (!listener) throw listenerNotFound();
  return listener;
}

/** Attributes as the API lists them. */
export const attributeList = (attributes: Readonly<Record<string, string>>) =>
  Object.entries(attributes).map(([Key, Value]) => ({ Key, Value }));

/**
 * Applies `Attributes` of a Modify…Attributes call: every key must be one the resource has (AWS refuses
 * unknown keys), values replace the old ones.
 */
export function modifiedAttributes(
  current: Readonly<Record<string, string>>,
  changes: readonly { Key?: string; Value?: string }[],
  what: string,
): Record<string, string> {
  const next = { ...current };
  for (const { Key, Value } of changes) {
    if (Key === undefined || !(Key in current)) {
      throw new ValidationError(`${what} attribute key '${Key}' is not recognized`);
    }
    next[Key] = Value ?? '';
  }
  return next;
}

/** Load balancer and target group names: 1–32 alphanumerics or hyphens, no hyphen at either end. */
export function checkName(name: string, what: 'Load balancer' | 'Target group'): void {
  if (name.length > 32)
    throw new ValidationError(`${what} name '${truncateText(name)}' cannot be longer than '32' characters`);
  if (!/^[a-zA-Z0-9-]+$/.test(name)) {
    throw new ValidationError(`${what} name '${name}' can only contain characters that are alphanumeric or hyphens(-)`);
  }
  if (name.startsWith('-') || name.endsWith('-')) {
    throw new ValidationError(`${what} name '${name}' cannot begin or end with '-'`);
  }
  if (what === 'Load balancer' && name.startsWith('internal-')) {
    throw new ValidationError(`Load balancer name '${name}' cannot begin with 'internal-'`);
  }
}
