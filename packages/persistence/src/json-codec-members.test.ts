import { encodeValue, readMembers } from './json-codec';

describe('readMembers', () => {
  // Random JSON values, some members nested deep or holding text that looks like JSON.
  function randomValue(depth: number, random: () => number): unknown {
    const pick = Math.floor(random() * (depth > 3 ? 4 : 7));
    if (pick === 0) return Math.floor(random() * 1e6) / 100;
    if (pick === 1) return ['', '"}]', '\\', 'ü€\n', '{"a":1}'][Math.floor(random() * 5)];
    if (pick === 2) return [true, false, null][Math.floor(random() * 3)];
    if (pick === 3) return new Date(Math.floor(random() * 1e12));
    if (pick === 4) return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(depth + 1, random));
    return Object.fromEntries(
      Array.from({ length: Math.floor(random() * 5) }, (_, i) => [`m${i}`, randomValue(depth + 1, random)]),
    );
  }

  it('gives what decoding the whole record and picking would, for random records', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 500; i++) {
      const record = Object.fromEntries(
        Array.from({ length: 1 + Math.floor(random() * 6) }, (_, j) => [`m${j}`, randomValue(0, random)]),
      );
      const names = ['m0', 'm2', 'm5', 'absent'];
      const expected = Object.fromEntries(names.filter((n) => n in record).map((n) => [n, record[n]]));
      expect(readMembers(encodeValue(record), names)).toEqual(expected);
    }
  });

  it('finds no members in other values, and refuses malformed text', () => {
    expect(readMembers('[{"a":1}]', ['a'])).toEqual({});
    expect(readMembers('"{\\"a\\":1}"', ['a'])).toEqual({});
    expect(() => readMembers('{"a":', ['a'])).toThrow(SyntaxError);
    expect(() => readMembers('{"a":[1,2}', ['b'])).toThrow(SyntaxError);
  });
});
