import { reusableJson, serializeJson } from './json-protocol';

describe('serializeJson', () => {
  it('writes dates as epoch seconds only inside the call', () => {
    const at = new Date(1_700_000_000_500);
    expect(serializeJson({ at })).toBe('{"at":1700000000.5}');
    expect(JSON.stringify({ at })).toBe(`{"at":"${at.toISOString()}"}`);
  });

  it('writes a reusable value as it would write the plain value, and keeps its text', () => {
    const plain = { name: 'a', at: new Date(2_000), list: [1, { b: 'x"y' }] };
    const reusable = reusableJson(structuredClone(plain));
    const expected = serializeJson({ items: [plain, plain], n: 1 });
    expect(serializeJson({ items: [reusable, reusable], n: 1 })).toBe(expected);
    // Kept: writing it again gives the same text, and the value is frozen so the text stays true.
    expect(serializeJson({ items: [reusable, reusable], n: 1 })).toBe(expected);
    expect(Object.isFrozen(reusable) && Object.isFrozen(reusable.list[1])).toBe(true);
    expect(serializeJson(reusable)).toBe(serializeJson(plain));
  });

  it('writes reusable values nested in reusable values, and leaves other JSON.stringify calls alone', () => {
    const inner = reusableJson({ c: 2 });
    const outer = reusableJson({ inner, d: [inner] });
    expect(serializeJson({ outer, inner })).toBe('{"outer":{"inner":{"c":2},"d":[{"c":2}]},"inner":{"c":2}}');
    expect(JSON.stringify({ outer })).toBe('{"outer":{"inner":{"c":2},"d":[{"c":2}]}}');
    expect(Object.keys(outer)).toEqual(['inner', 'd']);
  });

  it('does not take strings that look like its placeholders for them', () => {
    const reusable = reusableJson({ a: 1 });
    const text = serializeJson({ a: reusable, s: '@@localcloud-json:0000000000000000:0' });
    expect(JSON.parse(text)).toEqual({ a: { a: 1 }, s: '@@localcloud-json:0000000000000000:0' });
  });
});
