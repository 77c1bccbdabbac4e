import { truncateText } from '@localcloud/gateway';
/**
 * ECR lifecycle policies: their shape, checked as PutLifecyclePolicy does, and which images they expire, by
 * ECR's documented evaluation (AmazonECR/latest/userguide/LifecyclePolicies.html, "How lifecycle policies work").
 * Pure: no registry, no clock of its own.
 */

export interface LifecycleRule {
  readonly rulePriority: number;
  readonly tagStatus: 'tagged' | 'untagged' | 'any';
  readonly tagPrefixList: readonly string[];
  readonly tagPatternList: readonly string[];
  readonly countType: 'imageCountMoreThan' | 'sinceImagePushed';
  readonly countNumber: number;
}

/** What a rule looks at: one image of the repository. */
export interface LifecycleImage {
  readonly digest: string;
  readonly tags: readonly string[];
  readonly pushedAt: Date;
}

export interface Expiry {
  readonly image: LifecycleImage;
  /** The rule that expires it. */
  readonly rulePriority: number;
}

/** Why a policy text is refused; the handler wraps it in ECR's InvalidParameterException. */
export class LifecyclePolicyInvalid extends Error {}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The rules of a policy text, by priority (lowest first); throws LifecyclePolicyInvalid naming the problem. */
export function parseLifecyclePolicy(text: string): LifecycleRule[] {
  const fail = (why: string) => new LifecyclePolicyInvalid(why);
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch {
    throw fail('the policy is not a JSON object');
  }
  if (!isObject(policy)) throw fail('the policy is not a JSON object');
  const rules = policy.rules;
  if (!Array.isArray(rules) || rules.length === 0) throw fail('object has missing required properties (["rules"])');
  const parsed: LifecycleRule[] = [];
  for (const rule of rules as unknown[]) {
    if (!isObject(rule)) throw fail('a rule is not a JSON object');
    const priority = rule.rulePriority;
    if (!Number.isInteger(priority) || (priority as number) < 1) throw fail('rulePriority must be a positive integer');
    if (parsed.some((r) => r.rulePriority === priority)) {
      throw fail(`rulePriority ${String(priority)} is used more than once`);
    }
    const selection = rule.selection;
    if (!isObject(selection)) throw fail('object has missing required properties (["selection"])');
    const tagStatus = selection.tagStatus;
    if (tagStatus !== 'tagged' && tagStatus !== 'untagged' && tagStatus !== 'any') {
      throw fail(`tagStatus ${truncateText(String(tagStatus))} is not one of tagged, untagged, any`);
    }
    const tagPrefixList = stringList(selection.tagPrefixList, 'tagPrefixList', fail);
    const tagPatternList = stringList(selection.tagPatternList, 'tagPatternList', fail);
    if (tagStatus === 'tagged' && tagPrefixList.length === 0 && tagPatternList.length === 0) {
      throw fail('tagPrefixList or tagPatternList is required when tagStatus is tagged');
    }
    if (tagStatus !== 'tagged' && (tagPrefixList.length > 0 || tagPatternList.length > 0)) {
      throw fail(`tagPrefixList and tagPatternList are only allowed when tagStatus is tagged, not ${tagStatus}`);
    }
    if (tagPrefixList.length > 0 && tagPatternList.length > 0) {
      throw fail('tagPrefixList and tagPatternList cannot both be given in one rule');
    }
    if (tagPatternList.some((p) => p.split('*').length - 1 > 4)) {
      throw fail('a tagPatternList entry can have at most 4 wildcards (*)');
    }
    const countType = selection.countType;
    if (countType !== 'imageCountMoreThan' && countType !== 'sinceImagePushed') {
      throw fail(`countType ${truncateText(String(countType))} is not one of imageCountMoreThan, sinceImagePushed`);
    }
    if (!Number.isInteger(selection.countNumber) || (selection.countNumber as number) < 1) {
      throw fail('countNumber must be a positive integer');
    }
    if (countType === 'sinceImagePushed' && selection.countUnit !== 'days') {
      throw fail('countUnit must be days when countType is sinceImagePushed');
    }
    if (countType === 'imageCountMoreThan' && selection.countUnit !== undefined) {
      throw fail('countUnit is not allowed when countType is imageCountMoreThan');
    }
    if (!isObject(rule.action) || rule.action.type !== 'expire') throw fail('action type must be expire');
    parsed.push({
      rulePriority: priority as number,
      tagStatus,
      tagPrefixList,
      tagPatternList,
      countType,
      countNumber: selection.countNumber as number,
    });
  }
  parsed.sort((a, b) => a.rulePriority - b.rulePriority);
  const any = parsed.findIndex((r) => r.tagStatus === 'any');
  if (any >= 0 && any !== parsed.length - 1) {
    throw fail('a rule with tagStatus any must have the highest rulePriority');
  }
  if (parsed.filter((r) => r.tagStatus === 'untagged').length > 1) {
    throw fail('only one rule can select untagged images');
  }
  return parsed;
}

/**
 * The images the rules expire, as ECR evaluates them: rules in priority order; each counts every image its
 * selection matches (newest first by push time, so older images expire first), but cannot expire an image
 * whose tags matched a rule of higher priority; an image is expired by one rule at most.
 */
export function expiredImages(rules: readonly LifecycleRule[], images: readonly LifecycleImage[], now: Date): Expiry[] {
  const newestFirst = [...images].sort(
    (a, b) => b.pushedAt.getTime() - a.pushedAt.getTime() || a.digest.localeCompare(b.digest),
  );
  const matchedEarlier = new Set<string>();
  const expired = new Map<string, Expiry>();
  for (const rule of [...rules].sort((a, b) => a.rulePriority - b.rulePriority)) {
    const matched = newestFirst.filter((image) => selects(rule, image));
    const chosen =
      rule.countType === 'imageCountMoreThan'
        ? matched.slice(rule.countNumber)
        : matched.filter((image) => now.getTime() - image.pushedAt.getTime() > rule.countNumber * DAY_MS);
    for (const image of chosen) {
      if (!matchedEarlier.has(image.digest) && !expired.has(image.digest)) {
        expired.set(image.digest, { image, rulePriority: rule.rulePriority });
      }
    }
    for (const image of matched) matchedEarlier.add(image.digest);
  }
  return [...expired.values()];
}

/** Whether a rule's selection takes an image: every prefix (or pattern) of the list matches one of its tags. */
function selects(rule: LifecycleRule, image: LifecycleImage): boolean {
  if (rule.tagStatus === 'any') return true;
  if (rule.tagStatus === 'untagged') return image.tags.length === 0;
  if (image.tags.length === 0) return false;
  return (
    rule.tagPrefixList.every((prefix) => image.tags.some((tag) => tag.startsWith(prefix))) &&
    rule.tagPatternList.every((pattern) => image.tags.some((tag) => wildcard(pattern).test(tag)))
  );
}

function wildcard(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map(escape).join('.*')}$`);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown, name: string, fail: (why: string) => Error): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
    throw fail(`${name} must be a list of non-empty strings`);
  }
  return value as string[];
}
