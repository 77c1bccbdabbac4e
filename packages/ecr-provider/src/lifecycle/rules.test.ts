import { expiredImages, LifecyclePolicyInvalid, parseLifecyclePolicy, type LifecycleImage } from './rules';

const NOW = new Date('2026-12-01T00:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 24 * 60 * 60 * 1000);
const image = (digest: string, tags: string[], pushedDaysAgo: number): LifecycleImage => ({
  digest,
  tags,
  pushedAt: daysAgo(pushedDaysAgo),
});
const policy = (...rules: object[]) =>
  parseLifecyclePolicy(
    JSON.stringify({
      rules: rules.map((selection, i) => ({ rulePriority: i + 1, selection, action: { type: 'expire' } })),
    }),
  );
const expired = (rules: ReturnType<typeof policy>, images: LifecycleImage[]) =>
  expiredImages(rules, images, NOW).map((e) => `${e.image.digest}@${e.rulePriority}`);

describe('lifecycle rules as ECR evaluates them', () => {
  it('imageCountMoreThan keeps the newest and expires the older ones', () => {
    const rules = policy({ tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 2 });
    const images = [image('a', ['1'], 3), image('b', ['2'], 2), image('c', [], 1), image('d', ['4'], 4)];
    expect(expired(rules, images).sort()).toEqual(['a@1', 'd@1']);
  });

  it('sinceImagePushed expires images pushed more than countNumber days ago', () => {
    const rules = policy({ tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 });
    const images = [image('old', [], 15), image('new', [], 13), image('tagged-old', ['v1'], 30)];
    expect(expired(rules, images)).toEqual(['old@1']);
  });

  it('tagPrefixList selects images with every prefix among their tags', () => {
    const rules = policy({
      tagStatus: 'tagged',
      tagPrefixList: ['alpha', 'beta'],
      countType: 'imageCountMoreThan',
      countNumber: 1,
    });
    const images = [
      image('a', ['alpha-1', 'beta-1'], 10),
      image('b', ['beta-2'], 9),
      image('c', ['alpha-2', 'beta-2x'], 8),
    ];
    expect(expired(rules, images)).toEqual(['a@1']);
  });

  it('tagPatternList matches whole tags with * wildcards', () => {
    const rules = policy({
      tagStatus: 'tagged',
      tagPatternList: ['prod*-v?'],
      countType: 'imageCountMoreThan',
      countNumber: 1,
    });
    // `?` is literal, `*` is any run of characters.
    const images = [image('a', ['prod-1-v?'], 3), image('b', ['prod-2-v?'], 2), image('c', ['prod-3-v1'], 1)];
    expect(expired(rules, images)).toEqual(['a@1']);
  });

  it("AWS's multi-rule example: an image matched by a higher rule is still counted, expired once", () => {
    // AmazonECR userguide, lifecycle policy examples, "Filtering on multiple rules".
    const rules = policy(
      { tagStatus: 'tagged', tagPrefixList: ['alpha'], countType: 'imageCountMoreThan', countNumber: 1 },
      { tagStatus: 'tagged', tagPrefixList: ['beta'], countType: 'imageCountMoreThan', countNumber: 1 },
    );
    const images = [image('A', ['alpha-1', 'beta-1'], 10), image('B', ['beta-2'], 9), image('C', ['alpha-2'], 8)];
    expect(expired(rules, images)).toEqual(['A@1']);
  });

  it('a lower rule cannot expire an image whose tags a higher rule matched, though it counts it', () => {
    const rules = policy(
      { tagStatus: 'tagged', tagPrefixList: ['prod'], countType: 'imageCountMoreThan', countNumber: 5 },
      { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
    );
    const images = [image('p1', ['prod-1'], 4), image('p2', ['prod-2'], 3), image('d', ['dev'], 2), image('u', [], 1)];
    // Rule 2 keeps only the newest (u) of all four; p1 and p2 are rule 1's and stay.
    expect(expired(rules, images)).toEqual(['d@2']);
  });

  it('untagged rules never select tagged images, and tagged rules never untagged ones', () => {
    const rules = policy(
      { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 },
      { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 1 },
    );
    const images = [image('u1', [], 4), image('u2', [], 3), image('v1', ['v1'], 2), image('v2', ['v2'], 1)];
    expect(expired(rules, images).sort()).toEqual(['u1@1', 'v1@2']);
  });
});

describe('lifecycle policy validation', () => {
  const refused = (selection: object, extra: object = {}) => {
    try {
      parseLifecyclePolicy(
        JSON.stringify({ rules: [{ rulePriority: 1, selection, action: { type: 'expire' } }], ...extra }),
      );
    } catch (error) {
      expect(error).toBeInstanceOf(LifecyclePolicyInvalid);
      return (error as Error).message;
    }
    throw new Error('expected the policy to be refused');
  };

  it.each([
    [
      { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 },
      'tagPrefixList or tagPatternList is required',
    ],
    [
      { tagStatus: 'untagged', tagPrefixList: ['a'], countType: 'imageCountMoreThan', countNumber: 1 },
      'only allowed when tagStatus is tagged',
    ],
    [{ tagStatus: 'any', countType: 'sinceImagePushed', countNumber: 1 }, 'countUnit must be days'],
    [
      { tagStatus: 'any', countType: 'imageCountMoreThan', countUnit: 'days', countNumber: 1 },
      'countUnit is not allowed',
    ],
    [
      { tagStatus: 'tagged', tagPatternList: ['a*b*c*d*e*f'], countType: 'imageCountMoreThan', countNumber: 1 },
      'at most 4 wildcards',
    ],
    [{ tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 0 }, 'countNumber must be a positive integer'],
  ])('refuses %j', (selection, why) => expect(refused(selection)).toContain(why));

  it('quotes an over-long tagStatus or countType by its start', () => {
    const long = 'x'.repeat(30_000);
    expect(refused({ tagStatus: long, countType: 'imageCountMoreThan', countNumber: 1 })).toBe(
      `tagStatus ${'x'.repeat(100)}… is not one of tagged, untagged, any`,
    );
    expect(refused({ tagStatus: 'any', countType: long, countNumber: 1 })).toBe(
      `countType ${'x'.repeat(100)}… is not one of imageCountMoreThan, sinceImagePushed`,
    );
  });

  it('refuses an `any` rule that is not evaluated last', () => {
    expect(() =>
      policy(
        { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
        { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 },
      ),
    ).toThrow('a rule with tagStatus any must have the highest rulePriority');
  });
});
