import { decodeValue, encodeValue } from './json-codec';

describe('json codec', () => {
  it('round-trips Dates at any depth as real Dates', () => {
    const at = new Date('2025-03-04T05:06:07.089Z');
    const decoded = decodeValue(encodeValue({ createdAt: at, events: [{ at }], nested: { deep: [at] } })) as any;
    expect(decoded.createdAt).toBeInstanceOf(Date);
    expect(decoded).toEqual({ createdAt: at, events: [{ at }], nested: { deep: [at] } });
    expect(decodeValue(encodeValue(at))).toEqual(at);
  });

  it('writes a Date as {"$date": iso}, an invalid Date as null', () => {
    expect(encodeValue({ at: new Date(0) })).toBe('{"at":{"$date":"1970-01-01T00:00:00.000Z"}}');
    const invalid = decodeValue(encodeValue(new Date(NaN))) as Date;
    expect(invalid).toBeInstanceOf(Date);
    expect(invalid.getTime()).toBeNaN();
  });

  it('revives only objects that are exactly a date marker', () => {
    const value = { a: { $date: '2025-01-01T00:00:00.000Z', other: 1 }, b: { $date: 5 } };
    expect(decodeValue(JSON.stringify(value))).toEqual(value);
  });

  it('freezes what it decodes', () => {
    const decoded = decodeValue('{"a":{"b":[1,{"c":2}]}}') as any;
    expect(Object.isFrozen(decoded)).toBe(true);
    expect(Object.isFrozen(decoded.a.b[1])).toBe(true);
    expect(() => {
      decoded.a.b.push(3);
    }).toThrow(TypeError);
  });

  it('refuses values without a JSON form', () => {
    expect(() => encodeValue(undefined)).toThrow(TypeError);
    expect(() => encodeValue(() => 1)).toThrow(TypeError);
    expect(() => encodeValue({ n: 1n })).toThrow(TypeError);
  });
});

describe('json codec edge cases', () => {
  it('keeps a key named __proto__ as a plain property, Date or not', () => {
    const text = '{"__proto__":{"$date":"2025-01-01T00:00:00.000Z"},"a":{"__proto__":[1]}}';
    const decoded = decodeValue(text) as any;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(decoded, '__proto__')!.value).toEqual(new Date('2025-01-01T00:00:00.000Z'));
    expect(Object.getOwnPropertyDescriptor(decoded.a, '__proto__')!.value).toEqual([1]);
  });
});
