import type {
  ListTagsForResourceRequest,
  ListTagsForResourceResponse,
  Tag,
  TagResourceRequest,
  TagResourceResponse,
  UntagResourceRequest,
  UntagResourceResponse,
} from '@aws-sdk/client-ecs';
import type { EcsScope } from '../ecs-scope';
import { inScope, parseArn, parseTaskDefinitionRef, type ParsedArn, type Scope } from '../arn';
import { InvalidParameterException, ResourceNotFoundException } from '../errors';
import { mergeTags, removeTags } from '../domain/tags';
import type { EcsStore } from '../store/ecs-store';
import { truncateText } from '@localcloud/gateway';

/** A taggable resource found by ARN: its tags, and how to store new ones. */
export interface TaggableResource {
  readonly tags: readonly Tag[];
  save(tags: Tag[]): void;
}

/** Finds the resource an ECS ARN of one resource type names, in the caller's store; undefined when missing. */
export type TaggableResolver = (store: EcsStore, resource: string, scope: Scope) => TaggableResource | undefined;

/**
 * Resource types TagResource, UntagResource and ListTagsForResource accept, by the ARN's resource type.
 * Services and tasks are stored by `<cluster>/<name or id>`, the part of their long ARN after the type.
 */
const TAGGABLE: Map<string, TaggableResolver> = new Map<string, TaggableResolver>([
  [
    'cluster',
    (store, name) => {
      const record = store.clusters.get(name);
      if (!record || record.status !== 'ACTIVE') return undefined;
      return { tags: record.tags ?? [], save: (tags) => store.clusters.put(name, { ...record, tags }) };
    },
  ],
  [
    'task-definition',
    (store, resource, scope) => {
      const ref = parseTaskDefinitionRef(resource, scope);
      if (!ref || ref.revision === undefined) return undefined;
      const key = `${ref.family}:${ref.revision}`;
      const record = store.taskDefinitions.get(key);
      if (!record) return undefined;
      return { tags: record.tags, save: (tags) => store.taskDefinitions.put(key, { ...record, tags }) };
    },
  ],
  [
    'service',
    (store, key) => {
      const record = store.services.get(key);
      if (!record) return undefined;
      return { tags: record.tags ?? [], save: (tags) => store.services.put(key, { ...record, tags }) };
    },
  ],
  [
    'task',
    (store, key) => {
      const record = store.tasks.get(key);
      if (!record) return undefined;
      return { tags: record.tags ?? [], save: (tags) => store.tasks.put(key, { ...record, tags }) };
    },
  ],
]);

/** Lets another handler module make its resource type taggable (or replace how it is found). */
export function registerTaggableResource(resourceType: string, resolver: TaggableResolver): void {
  TAGGABLE.set(resourceType, resolver);
}

function findTaggable(resourceArn: string, { store, scope }: EcsScope): TaggableResource {
  const parsed: ParsedArn | undefined = parseArn(resourceArn);
  const resolver = parsed && TAGGABLE.get(parsed.resourceType);
  if (!parsed || !resolver) {
    throw new InvalidParameterException(
      `Invalid resource ARN '${truncateText(resourceArn)}': tags can be set on ECS clusters, task definitions, services and tasks.`,
    );
  }
  const resource = inScope(parsed, scope) ? resolver(store, parsed.resource, scope) : undefined;
  if (!resource) throw new ResourceNotFoundException("The specified resource wasn't found.");
  return resource;
}

export function tagResource(input: TagResourceRequest, context: EcsScope): TagResourceResponse {
  const resource = findTaggable(input.resourceArn!, context);
  resource.save(mergeTags(resource.tags, input.tags ?? []));
  return {};
}

export function untagResource(input: UntagResourceRequest, context: EcsScope): UntagResourceResponse {
  const resource = findTaggable(input.resourceArn!, context);
  resource.save(removeTags(resource.tags, input.tagKeys ?? []));
  return {};
}

export function listTagsForResource(input: ListTagsForResourceRequest, context: EcsScope): ListTagsForResourceResponse {
  return { tags: [...findTaggable(input.resourceArn!, context).tags] };
}
