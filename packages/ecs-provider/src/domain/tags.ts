import type { Tag } from '@aws-sdk/client-ecs';
import { InvalidParameterException } from '../errors';

/** AWS's tag limits for ECS resources. */
export const TAG_LIMITS = { maxTags: 50, maxKeyLength: 128, maxValueLength: 256 } as const;

/** Tag keys and values: Unicode letters, digits, white space, and `_ . : / = + - @`. */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Checks tags given on a request (create, register, TagResource) and returns them as given. */
export function validateTags(tags: readonly Tag[] | undefined): Tag[] {
  const list = tags ?? [];
  for (const tag of list) {
    const key = tag.key;
    if (key === undefined || key.length < 1 || key.length > TAG_LIMITS.maxKeyLength) {
      throw new InvalidParameterException(`Tag keys must be between 1 and ${TAG_LIMITS.maxKeyLength} characters long.`);
    }
    const value = tag.value ?? '';
    if (value.length > TAG_LIMITS.maxValueLength) {
      throw new InvalidParameterException(`Tag values must be at most ${TAG_LIMITS.maxValueLength} characters long.`);
    }
    if (!TAG_CHARACTERS.test(key) || !TAG_CHARACTERS.test(value)) {
      throw new InvalidParameterException(
        'Tag keys and values may only contain Unicode letters, digits, white space and the characters _ . : / = + - @.',
      );
    }
    if (key.toLowerCase().startsWith('aws:')) {
      throw new InvalidParameterException("Tag keys can't start with 'aws:'. This prefix is reserved for AWS use.");
    }
  }
  return list.map((tag) => ({ key: tag.key, value: tag.value ?? '' }));
}

/** Adds or overwrites tags by key and checks the resource stays within the limit of 50 tags. */
export function mergeTags(existing: readonly Tag[], added: readonly Tag[]): Tag[] {
  // Most registrations and creations have no tags at all: no map, no copies.
  if (existing.length === 0 && added.length === 0) return [];
  const byKey = new Map<string, string>();
  for (const tag of existing) byKey.set(tag.key!, tag.value ?? '');
  for (const tag of validateTags(added)) byKey.set(tag.key!, tag.value ?? '');
  assertTagCount(byKey.size);
  return [...byKey].map(([key, value]) => ({ key, value }));
}

export function removeTags(existing: readonly Tag[], keys: readonly string[]): Tag[] {
  const removed = new Set(keys);
  return existing.filter((tag) => !removed.has(tag.key!));
}

export function assertTagCount(count: number): void {
  if (count > TAG_LIMITS.maxTags) {
    throw new InvalidParameterException(
      `The number of tags on a resource can't exceed ${TAG_LIMITS.maxTags}: this request would leave ${count}.`,
    );
  }
}
