import { quoted } from '@localcloud/gateway';
import type { Handler } from '../operations';
import type { ElasticLoadBalancingV2Store } from '../store';
import type { Tag } from '../domain/records';
import { resourceKind } from '../domain/arn';
import { ValidationError, listenerNotFound, loadBalancerNotFound, ruleNotFound, targetGroupNotFound } from '../errors';
import { MAX_TAGS, checkTags } from './common';
import { TooManyTags } from '../errors';

interface Tagged {
  readonly tags: readonly Tag[];
}

/** The table and record an ARN names, for the tag operations; each kind answers its own not-found error. */
function resolve(store: ElasticLoadBalancingV2Store, arn: string) {
  const kind = resourceKind(arn);
  const lookups = {
    loadbalancer: [store.loadBalancers, loadBalancerNotFound],
    targetgroup: [store.targetGroups, targetGroupNotFound],
    listener: [store.listeners, listenerNotFound],
    'listener-rule': [store.rules, ruleNotFound],
  } as const;
  if (!kind) throw new ValidationError(`'${quoted(arn)}' is not a valid Elastic Load Balancing resource ARN`);
  const [table, notFound] = lookups[kind];
  const record = table.get(arn) as Tagged | undefined;
  if (!record) throw notFound();
  return {
    record,
    put: (tags: Tag[]) => (table as { put(key: string, value: unknown): void }).put(arn, { ...record, tags }),
  };
}

const addTags: Handler = async (input: { ResourceArns: string[]; Tags: Tag[] }, { store }) => {
  const added = checkTags(input.Tags);
  const resources = input.ResourceArns.map((arn) => resolve(store, arn));
  store.transaction(() => {
    for (const { record, put } of resources) {
      const tags = new Map(record.tags.map((t) => [t.Key, t]));
      for (const tag of added) tags.set(tag.Key, tag);
      if (tags.size > MAX_TAGS) throw new TooManyTags(`The quota for the number of tags (${MAX_TAGS}) was reached`);
      put([...tags.values()]);
    }
  });
  return {};
};

const removeTags: Handler = async (input: { ResourceArns: string[]; TagKeys: string[] }, { store }) => {
  const resources = input.ResourceArns.map((arn) => resolve(store, arn));
  const keys = new Set(input.TagKeys);
  store.transaction(() => {
    for (const { record, put } of resources) put(record.tags.filter((t) => !keys.has(t.Key)));
  });
  return {};
};

const describeTags: Handler = async (input: { ResourceArns: string[] }, { store }) => ({
  TagDescriptions: input.ResourceArns.map((arn) => ({ ResourceArn: arn, Tags: resolve(store, arn).record.tags })),
});

export const TAG_HANDLERS: Readonly<Record<string, Handler>> = {
  AddTags: addTags,
  RemoveTags: removeTags,
  DescribeTags: describeTags,
};
