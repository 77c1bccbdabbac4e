import { quoted } from '@localcloud/gateway';
import type {
  ListTagsForResourceRequest,
  ListTagsForResourceResponse,
  Tag,
  TagResourceRequest,
  UntagResourceRequest,
} from '@aws-sdk/client-servicediscovery';
import type { ServiceDiscoveryScope } from '../servicediscovery-scope';
import { InvalidInput, ResourceNotFoundException, TooManyTagsException } from '../errors';
import { resourceArn } from '../ids';

const MAX_TAGS = 50;

/** Whether `arn` names a namespace or service of the caller's account and region. */
function requireResource(arn: string, sd: ServiceDiscoveryScope): void {
  const match = /^arn:[^:]+:servicediscovery:[^:]*:[^:]*:(namespace|service)\/(.+)$/.exec(arn);
  if (!match) throw new InvalidInput(`Invalid ARN: ${quoted(arn)}`);
  const [, kind, id] = match;
  const record = kind === 'namespace' ? sd.store.namespaces.get(id!) : sd.store.services.get(id!);
  if (!record || record.Arn !== arn) throw new ResourceNotFoundException(`Resource not found: ${quoted(arn)}`);
}

/** Adds `tags` to a resource just created or tagged (create calls and TagResource). */
export function applyTags(arn: string, tags: readonly Tag[] | undefined, sd: ServiceDiscoveryScope): void {
  if (!tags || tags.length === 0) return;
  const merged: Record<string, string> = { ...(sd.store.tags.get(arn) ?? {}) };
  for (const tag of tags) {
    if (tag.Key!.startsWith('aws:')) throw new InvalidInput("Tag keys starting with 'aws:' are reserved.");
    merged[tag.Key!] = tag.Value!;
  }
  if (Object.keys(merged).length > MAX_TAGS) {
    throw new TooManyTagsException(`A resource can have no more than ${MAX_TAGS} tags.`);
  }
  sd.store.tags.put(arn, merged);
}

export function tagResource(input: TagResourceRequest, sd: ServiceDiscoveryScope): Record<string, never> {
  requireResource(input.ResourceARN!, sd);
  applyTags(input.ResourceARN!, input.Tags, sd);
  return {};
}

export function untagResource(input: UntagResourceRequest, sd: ServiceDiscoveryScope): Record<string, never> {
  requireResource(input.ResourceARN!, sd);
  const remaining: Record<string, string> = { ...(sd.store.tags.get(input.ResourceARN!) ?? {}) };
  for (const key of input.TagKeys ?? []) delete remaining[key];
  sd.store.tags.put(input.ResourceARN!, remaining);
  return {};
}

export function listTagsForResource(
  input: ListTagsForResourceRequest,
  sd: ServiceDiscoveryScope,
): ListTagsForResourceResponse {
  requireResource(input.ResourceARN!, sd);
  const tags: Readonly<Record<string, string>> = sd.store.tags.get(input.ResourceARN!) ?? {};
  return { Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) };
}

/** Drops the tags of a deleted resource. */
export function forgetTags(kind: 'namespace' | 'service', id: string, sd: ServiceDiscoveryScope): void {
  sd.store.tags.delete(resourceArn(sd.scope, kind, id));
}
