import type {
  AddTagsToResourceRequest,
  ListTagsForResourceRequest,
  RemoveTagsFromResourceRequest,
} from '@aws-sdk/client-ssm';
import { InvalidResourceId, InvalidResourceType, TooManyTagsError } from '../errors';
import type { SSMScope } from '../scope';
import type { ParameterRecord } from '../store';
import { findParameter } from './lookup';
import { MAX_TAGS } from './parameters';

/** Tags on parameters; the other resource types SSM tags (documents, windows, …) are not served here. */
function taggedParameter(input: { ResourceType?: string; ResourceId?: string }, { store }: SSMScope): ParameterRecord {
  if (input.ResourceType !== 'Parameter') throw new InvalidResourceType('The resource type is not valid.');
  const record = findParameter(store, input.ResourceId!);
  if (!record)
    throw new InvalidResourceId('The resource ID is not valid. Verify that you entered the correct ID and try again.');
  return record;
}

export function addTagsToResource(input: AddTagsToResourceRequest, ssm: SSMScope) {
  const record = taggedParameter(input, ssm);
  const tags = { ...record.tags, ...Object.fromEntries((input.Tags ?? []).map((t) => [t.Key!, t.Value ?? ''])) };
  if (Object.keys(tags).length > MAX_TAGS) {
    throw new TooManyTagsError(
      'The Targets parameter includes too many tags. Remove one or more tags and try the request again.',
    );
  }
  ssm.store.parameters.put(record.name, { ...record, tags });
  return {};
}

export function removeTagsFromResource(input: RemoveTagsFromResourceRequest, ssm: SSMScope) {
  const record = taggedParameter(input, ssm);
  const tags = Object.fromEntries(Object.entries(record.tags).filter(([k]) => !input.TagKeys?.includes(k)));
  ssm.store.parameters.put(record.name, { ...record, tags });
  return {};
}

export function listTagsForResource(input: ListTagsForResourceRequest, ssm: SSMScope) {
  const record = taggedParameter(input, ssm);
  return { TagList: Object.entries(record.tags).map(([Key, Value]) => ({ Key, Value })) };
}
