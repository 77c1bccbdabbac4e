import { exceedsJsonDepth } from './json-depth';

describe('exceedsJsonDepth', () => {
  const nested = (levels: number) => `${'[{"a":'.repeat(levels)}1${'}]'.repeat(levels)}`;

  it('counts nesting, not openings: many shallow or quoted brackets stay within the bound', () => {
    expect(exceedsJsonDepth('{}', 100)).toBe(false);
    expect(exceedsJsonDepth(`[${Array.from({ length: 500 }, () => '{"a":[]}').join(',')}]`, 100)).toBe(false);
    expect(exceedsJsonDepth(JSON.stringify({ a: '[{'.repeat(500) }), 100)).toBe(false);
    expect(exceedsJsonDepth(JSON.stringify({ a: '\\"[[[' + '['.repeat(200) }), 100)).toBe(false);
  });

  it('finds nesting over the bound exactly at the bound, objects and arrays alike', () => {
    expect(exceedsJsonDepth(nested(50), 100)).toBe(false);
    expect(exceedsJsonDepth(`{"x":${nested(50)}}`, 100)).toBe(true);
    expect(exceedsJsonDepth(`${'['.repeat(100)}${']'.repeat(100)}`, 100)).toBe(false);
    expect(exceedsJsonDepth(`${'['.repeat(101)}${']'.repeat(101)}`, 100)).toBe(true);
    // Few openings in all, so the count alone settles it.
    expect(exceedsJsonDepth(`${'{"a":'.repeat(3)}1}}}`, 2)).toBe(true);
    expect(exceedsJsonDepth('[[1],[2]]', 2)).toBe(false);
  });
});
