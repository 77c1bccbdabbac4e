import { InvalidParameterException } from '../errors';
import { requireActiveSecret } from '../lookup';
import type { SecretsManagerScope } from '../operations';
import type { Tag } from '../store';
import { checkTags } from './secrets';

const MAX_TAGS = 50;

export function tagResource(input: { SecretId: string; Tags: Tag[] }, sm: SecretsManagerScope) {
  const secret = requireActiveSecret(input.SecretId, sm);
  checkTags(input.Tags);
  const byKey = new Map(secret.tags.map((t) => [t.Key, t]));
  for (const tag of input.Tags) byKey.set(tag.Key, { Key: tag.Key, Value: tag.Value ?? '' });
  if (byKey.size > MAX_TAGS) {
    throw new InvalidParameterException(`A secret can have at most ${MAX_TAGS} tags.`);
  }
  sm.store.save({ ...secret, tags: [...byKey.values()], lastChangedDate: new Date(sm.now) });
  return {};
}

export function untagResource(input: { SecretId: string; TagKeys: string[] }, sm: SecretsManagerScope) {
  const secret = requireActiveSecret(input.SecretId, sm);
  const drop = new Set(input.TagKeys);
  sm.store.save({
    ...secret,
    tags: secret.tags.filter((t) => !drop.has(t.Key ?? '')),
    lastChangedDate: new Date(sm.now),
  });
  return {};
}
