import * as vm from 'node:vm';
import { StoredDate, decodeValue, encodeValue, sharedStoredValue, toStoredValue } from './json-codec';

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

describe('toStoredValue', () => {
  const roundTrip = (value: unknown) => decodeValue(encodeValue(value));

  /** Deep equality that also tells own keys, prototypes, -0 and frozenness apart (toEqual does not). */
  function expectSameStored(actual: unknown, expected: unknown, path = '$'): void {
    if (typeof expected !== 'object' || expected === null) {
      expect([path, Object.is(actual, expected)]).toEqual([path, true]);
      return;
    }
    expect([path, Object.isFrozen(actual)]).toEqual([path, true]);
    expect([path, Object.getPrototypeOf(actual)]).toEqual([path, Object.getPrototypeOf(expected)]);
    if (expected instanceof Date) {
      expect([path, (actual as Date).getTime()]).toEqual([path, expected.getTime()]);
      return;
    }
    expect([path, Reflect.ownKeys(actual as object)]).toEqual([path, Reflect.ownKeys(expected)]);
    for (const key of Reflect.ownKeys(expected))
      expectSameStored(
        Object.getOwnPropertyDescriptor(actual, key)!.value,
        Object.getOwnPropertyDescriptor(expected, key)!.value,
        `${path}.${String(key)}`,
      );
  }

  class Point {
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
  }
  const cases: Array<[string, unknown]> = [
    ['primitives', { s: 'x', n: 1.5, t: true, f: false, z: null, neg: -0, big: 1e300 }],
    ['non-finite numbers', { nan: NaN, inf: Infinity, list: [NaN, -Infinity] }],
    ['members without a JSON form', { u: undefined, fn: () => 1, sym: Symbol('s'), list: [undefined, () => 1] }],
    ['symbol keys', { [Symbol('k')]: 1, kept: 2 }],
    ['holes', [1, , 3]], // eslint-disable-line no-sparse-arrays
    ['Dates', { at: new Date('2025-01-02T03:04:05.006Z'), bad: new Date(NaN), list: [new Date(0)] }],
    ['a date marker, reserved', { a: { $date: '2025-01-01T00:00:00.000Z' }, b: Object.freeze({ $date: null }) }],
    ['objects with a $date key among others', { a: { $date: 'x', other: 1 }, b: { $date: 5 } }],
    ['a null-prototype object', Object.assign(Object.create(null), { a: 1 })],
    ['a class instance', { p: new Point(1, 2) }],
    ['toJSON', { t: { toJSON: () => ({ replaced: true }) }, u: { toJSON: () => undefined } }],
    ['boxed values', { s: new String('x'), n: new Number(2), b: new Boolean(false) }],
    ['Map and Set', { m: new Map([[1, 2]]), s: new Set([1]) }],
    ['integer-like keys', { b: 1, 2: 'two', a: 3, 1: 'one' }],
    ['an object whose members JSON all drops', { a: { u: undefined, f: () => 1 }, b: [{ s: Symbol('s') }] }],
    ['an own member shadowing an inherited one', Object.assign(Object.create({ a: 0, inherited: 1 }), { a: 2 })],
    [
      "members inherited from another realm's Object.prototype",
      vm.runInNewContext('Object.prototype.inherited = 1; ({ own: 2, nested: { deeper: [{ x: 3 }] } })'),
    ],
    ['non-enumerable members', Object.defineProperty({ a: 1 }, 'hidden', { value: 2, enumerable: false })],
    ['a key named __proto__', JSON.parse('{"__proto__":{"x":1},"a":[{"__proto__":[1]}]}')],
    ['a frozen value with an undefined member', Object.freeze({ a: Object.freeze({ u: undefined }), b: 1 })],
    ['a frozen value with a mutable child', Object.freeze({ child: { n: 1 } })],
    ['a frozen null-prototype object', Object.freeze(Object.assign(Object.create(null), { a: 1 }))],
    ['a frozen -0', Object.freeze([Object.freeze({ z: -0 })])],
    ['deep nesting', JSON.parse(`${'['.repeat(300)}1${']'.repeat(300)}`)],
    ['a task-like record', { arn: 'a', containers: [{ name: 'c', env: [{ name: 'A', value: '1' }] }], at: new Date() }],
    ['a string', 'text'],
    ['a number', 42],
    ['null', null],
  ];

  it.each(cases)('stores %s exactly as the JSON round trip does, frozen', (_name, value) => {
    expectSameStored(toStoredValue(value), roundTrip(value));
  });

  it('reads each member once, in key order, and skips a member a getter deleted, as JSON does', () => {
    const make = (reads: string[]) => ({
      get first() {
        reads.push('first');
        delete (this as { second?: number }).second;
        (this as { added?: number }).added = 4;
        return 1;
      },
      second: 2,
      get third() {
        reads.push('third');
        return 3;
      },
    });
    const [storedReads, jsonReads] = [[] as string[], [] as string[]];
    const stored = toStoredValue(make(storedReads));
    expectSameStored(stored, roundTrip(make(jsonReads)));
    expect(Object.keys(stored as object)).toEqual(['first', 'third']);
    expect(storedReads).toEqual(jsonReads);
    expect(storedReads).toEqual(['first', 'third']);
  });

  it('keeps a shared stored value as it is in every put, and stores it as the JSON round trip does', () => {
    const list = sharedStoredValue(['EC2', 'FARGATE']);
    const attribute = sharedStoredValue({ name: 'a' });
    expectSameStored(list, roundTrip(['EC2', 'FARGATE']));
    expectSameStored(attribute, roundTrip({ name: 'a' }));
    const stored = toStoredValue({ list, attributes: [attribute], nested: Object.freeze({ list }) }) as {
      list: unknown;
      attributes: unknown[];
      nested: { list: unknown };
    };
    expect(stored.list).toBe(list);
    expect(stored.attributes[0]).toBe(attribute);
    expect(stored.nested.list).toBe(list);
    // Without a look inside: no member-by-member check of the shared list (a plain frozen list has one).
    const spy = jest.spyOn(Object, 'getOwnPropertyDescriptor');
    try {
      toStoredValue({ list });
      expect(spy).not.toHaveBeenCalled();
      toStoredValue({ list: Object.freeze(['EC2', 'FARGATE']) });
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    // What it was made from is copied as any value is (only the stored value is shared).
    const source = ['x', { y: 1 }];
    expect(sharedStoredValue(source)).not.toBe(source);
    expect(() => sharedStoredValue([() => 1, Symbol('s')])).not.toThrow();
    expectSameStored(sharedStoredValue([undefined, new Date(0)]), roundTrip([undefined, new Date(0)]));
    expect(() => sharedStoredValue(undefined)).toThrow(TypeError);
  });

  it('refuses what JSON refuses, with a TypeError', () => {
    expect(() => toStoredValue(undefined)).toThrow(TypeError);
    expect(() => toStoredValue(() => 1)).toThrow(TypeError);
    expect(() => toStoredValue({ n: 1n })).toThrow(TypeError);
    const cycle: Record<string, unknown> = { a: [] };
    (cycle.a as unknown[]).push(cycle);
    expect(() => toStoredValue(cycle)).toThrow(TypeError);
  });

  it('keeps frozen stored parts as they are and copies only the rest', () => {
    const stored = toStoredValue({ containers: [{ name: 'a', ports: [80] }], at: new Date(0) }) as any;
    const next = toStoredValue({ ...stored, status: 'STOPPED' }) as any;
    expect(next).not.toBe(stored);
    expect(next.containers).toBe(stored.containers);
    expect(toStoredValue(stored.containers)).toBe(stored.containers);
    expect(toStoredValue(roundTrip({ a: [1] }))).toEqual({ a: [1] });
  });

  it('stores every empty array and object as one shared frozen value', () => {
    const stored = toStoredValue({ a: [], b: {}, c: [[], {}] }) as any;
    expect(stored.a).toBe(stored.c[0]);
    expect(stored.b).toBe(stored.c[1]);
    expect(Object.isFrozen(stored.a) && Object.isFrozen(stored.b)).toBe(true);
  });

  it('copies Dates that are not frozen, so changing the original changes nothing stored', () => {
    const at = new Date(0);
    const stored = toStoredValue({ at }) as { at: Date };
    at.setTime(5);
    expect(stored.at.getTime()).toBe(0);
    expect(Object.isFrozen(stored.at)).toBe(true);
  });

  describe('a stored Date cannot change', () => {
    const setters = Object.getOwnPropertyNames(Date.prototype).filter((name) => name.startsWith('set'));

    it.each([
      ['put', () => (toStoredValue({ at: new Date(1000) }) as { at: Date }).at],
      ['decoded', () => (decodeValue(encodeValue({ at: new Date(1000) })) as { at: Date }).at],
    ])('%s: every setter throws and the time stays', (_how, storedAt) => {
      expect(setters).toEqual(expect.arrayContaining(['setTime', 'setFullYear', 'setUTCHours', 'setYear']));
      for (const setter of setters) {
        const at = storedAt();
        expect(() => (at as unknown as Record<string, (n: number) => number>)[setter]!(5)).toThrow(TypeError);
        expect([setter, at.getTime()]).toEqual([setter, 1000]);
      }
    });

    it('is a Date in every other way: instanceof, JSON, structuredClone, equality', () => {
      const at = (toStoredValue({ at: new Date(1000) }) as { at: Date }).at;
      expect(at).toBeInstanceOf(Date);
      expect(at).toBeInstanceOf(StoredDate);
      expect(Object.prototype.toString.call(at)).toBe('[object Date]');
      expect(JSON.stringify({ at })).toBe(JSON.stringify({ at: new Date(1000) }));
      expect(encodeValue({ at })).toBe(encodeValue({ at: new Date(1000) }));
      expect(structuredClone(at).getTime()).toBe(1000);
      expect(at).toEqual(new Date(1000));
    });

    it('is kept by a put, not copied, now that it cannot change', () => {
      const stored = toStoredValue({ at: new Date(1000), list: [new Date(0)] }) as { at: Date; list: Date[] };
      const next = toStoredValue({ ...stored, status: 'STOPPED' }) as typeof stored;
      expect(next.at).toBe(stored.at);
      expect(next.list).toBe(stored.list);
    });
  });

  it('keeps the objects it stored without looking inside them again', () => {
    // The walk over unmarked frozen data asks for every member's descriptor; the store's own objects are
    // kept on their mark, so only an array's indexes are looked at (arrays carry no mark).
    const stored = toStoredValue({ containers: [{ name: 'a', ports: [80] }], meta: { a: 1, deep: { b: 2 } } }) as any;
    const looked: string[] = [];
    const spy = jest.spyOn(Object, 'getOwnPropertyDescriptor').mockImplementation(function (this: unknown, o, k) {
      looked.push(String(k));
      return Reflect.getOwnPropertyDescriptor(o, k);
    });
    try {
      const next = toStoredValue({ ...stored, status: 'STOPPED' }) as any;
      expect(next.containers).toBe(stored.containers);
      expect(next.meta).toBe(stored.meta);
    } finally {
      spy.mockRestore();
    }
    expect(looked).toEqual(['0']);
  });

  describe('gives back exactly what a restart would, even for frozen input it could reuse', () => {
    // Each value is frozen, so the old walk kept it as it was; the JSON round trip is what a restart reads.
    it('copies a frozen Date: freezing does not stop setTime', () => {
      const at = Object.freeze(new Date(0));
      const stored = toStoredValue({ at }) as { at: Date };
      const restarted = roundTrip({ at }) as { at: Date };
      at.setTime(5);
      expect(stored.at.getTime()).toBe(restarted.at.getTime());
      expect(toStoredValue(at)).not.toBe(at);
    });

    it('copies a frozen array with an extra member, which JSON drops', () => {
      const list = Object.freeze(Object.assign([1, 2], { extra: 'x' }));
      const stored = toStoredValue({ list }) as { list: unknown[] };
      expectSameStored(stored, roundTrip({ list }));
      expect(stored.list).not.toBe(list);
    });

    it('copies a frozen array with a hole, which JSON writes as null', () => {
      const list = Object.freeze([1, , 3]); // eslint-disable-line no-sparse-arrays
      expectSameStored(toStoredValue(list), roundTrip(list));
    });

    it('copies a frozen array whose prototype is not Array.prototype', () => {
      class List extends Array<number> {}
      const list = Object.freeze(List.from([1, 2]));
      expectSameStored(toStoredValue(list), roundTrip(list));
    });

    it('copies a frozen object or array with a getter, which could answer differently later', () => {
      let n = 0;
      const object = Object.freeze(Object.defineProperty({ b: 1 }, 'a', { get: () => n, enumerable: true }));
      const list = Object.freeze(Object.defineProperty([0], 0, { get: () => n, enumerable: true }));
      const stored = toStoredValue({ object, list });
      const restarted = roundTrip({ object, list });
      n = 1;
      expectSameStored(stored, restarted);
      expect((stored as { object: { a: number } }).object.a).toBe(0);
    });
  });
});
