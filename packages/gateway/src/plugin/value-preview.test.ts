import { QUOTED_CHARS, previewJson, quoted, truncateText } from './value-preview';

describe('previewJson', () => {
  it('renders small values as JSON', () => {
    expect(previewJson({ a: [1, 'two', null, true], b: {} })).toBe('{"a":[1,"two",null,true],"b":{}}');
    expect(previewJson('text')).toBe('"text"');
    expect(previewJson(5)).toBe('5');
  });

  it('cuts long values at the bound, marking the cut', () => {
    expect(previewJson('x'.repeat(1_000_000), 10)).toBe(`"${'x'.repeat(9)}…`);
    const big = previewJson(
      Array.from({ length: 100_000 }, (_, i) => i),
      20,
    );
    expect(big).toBe('[0,1,2,3,4,5,6,7,8,9…');
  });

  it('shows values nested far deeper than JSON.stringify can go, without recursion', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = i % 2 ? [deep] : { a: deep };
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    const shown = previewJson(deep, 30);
    expect(shown).toHaveLength(31);
    expect(shown.endsWith('…')).toBe(true);
  });
});

describe('truncateText', () => {
  it('keeps short text and cuts long text', () => {
    expect(truncateText('short')).toBe('short');
    expect(truncateText('y'.repeat(150))).toBe(`${'y'.repeat(100)}…`);
  });
});

describe('quoted', () => {
  it('keeps every real name and ARN whole, and cuts an over-long value at QUOTED_CHARS', () => {
    // A target group of a 32-character name in a long region: 120 characters, over truncateText's 100.
    const targetGroup = `arn:aws:elasticloadbalancing:ap-southeast-2:000000000000:targetgroup/${'t'.repeat(32)}/0123456789abcdef`;
    expect(targetGroup.length).toBeGreaterThan(100);
    expect(quoted(targetGroup)).toBe(targetGroup);
    const long = 'x'.repeat(70_000);
    expect(quoted(long)).toBe(`${'x'.repeat(QUOTED_CHARS)}…`);
  });
});
