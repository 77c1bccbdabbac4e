import { copyMembers } from './copy-members';

describe('copyMembers', () => {
  const members = new Set(['b', 'a', '2', 'c', 'arn']);

  it('gives what a spread of the named members gives: same values and order, later members overwriting in place', () => {
    const source = JSON.parse('{"b":1,"a":{"x":[1]},"2":"two","c":null,"arn":"given"}') as Record<string, unknown>;
    const copied = copyMembers({ arn: 'first', z: 0 }, source, members);
    const spread = { arn: 'first', z: 0, ...source };
    expect(Object.keys(copied)).toEqual(Object.keys(spread));
    expect(copied).toEqual(spread);
    expect((copied as Record<string, unknown>).a).toBe(source.a);
  });

  it('leaves out members the set does not name', () => {
    expect(
      copyMembers({}, { family: 'f', tags: [{ key: 'k' }], cpu: '256', junk: 1 }, new Set(['family', 'cpu'])),
    ).toEqual({ family: 'f', cpu: '256' });
  });

  it('drops a JSON member named __proto__ without changing the prototype', () => {
    const source = JSON.parse('{"__proto__":{"polluted":true},"a":"x"}') as object;
    const copied = copyMembers({}, source, members) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copied)).toBe(Object.prototype);
    expect(copied.polluted).toBeUndefined();
    expect(Object.keys(copied)).toEqual(['a']);
  });

  it('copies own members only, as Object.keys lists them, even where the prototype has named ones', () => {
    const source = Object.assign(Object.create({ b: 'inherited', c: 'inherited' }) as object, { a: 1, c: 2 });
    expect(copyMembers({}, source, members)).toEqual({ a: 1, c: 2 });
    expect(Object.keys(copyMembers({}, source, members))).toEqual(['a', 'c']);
  });
});
