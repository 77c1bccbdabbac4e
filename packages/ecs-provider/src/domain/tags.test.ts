import { mergeTags, removeTags, validateTags } from './tags';

describe('tags', () => {
  it('gives a new empty list when there are no tags at all, which its caller may change', () => {
    const first = mergeTags([], []);
    expect(first).toEqual([]);
    expect(mergeTags([], [])).not.toBe(first);
    expect(mergeTags([], [{ key: 'k' }])).toEqual([{ key: 'k', value: '' }]);
    expect(mergeTags([{ key: 'k', value: 'v' }], [])).toEqual([{ key: 'k', value: 'v' }]);
  });

  it('merges by key, overwriting values, and removes by key', () => {
    const merged = mergeTags([{ key: 'a', value: '1' }], [{ key: 'a', value: '2' }, { key: 'b' }]);
    expect(merged).toEqual([
      { key: 'a', value: '2' },
      { key: 'b', value: '' },
    ]);
    expect(removeTags(merged, ['a'])).toEqual([{ key: 'b', value: '' }]);
  });

  it('enforces the limits', () => {
    expect(() =>
      mergeTags(
        [],
        Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: '' })),
      ),
    ).toThrow(/50/);
    expect(() => validateTags([{ key: 'aws:x', value: '' }])).toThrow(/aws:/);
    expect(() => validateTags([{ key: 'a#b', value: '' }])).toThrow(/characters/);
    expect(validateTags([{ key: 'ünïcode space _.:/=+-@', value: 'ok' }])).toHaveLength(1);
  });
});
