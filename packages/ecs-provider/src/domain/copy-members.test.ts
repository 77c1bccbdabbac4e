import { copyMembers } from './copy-members';

describe('copyMembers', () => {
  it('gives what a spread gives: the same members, values and order, later members overwriting in place', () => {
    const source = JSON.parse('{"b":1,"a":{"x":[1]},"2":"two","c":null,"arn":"given"}') as Record<string, unknown>;
    const copied = copyMembers({ arn: 'first', z: 0 }, source);
    const spread = { arn: 'first', z: 0, ...source };
    expect(Object.keys(copied)).toEqual(Object.keys(spread));
    expect(copied).toEqual(spread);
    expect((copied as Record<string, unknown>).a).toBe(source.a);
  });

  it('leaves out the member named in except', () => {
    expect(copyMembers({}, { family: 'f', tags: [{ key: 'k' }], cpu: '256' }, 'tags')).toEqual({
      family: 'f',
      cpu: '256',
    });
  });

  it('keeps a member named __proto__ as a member, as a spread does, without changing the prototype', () => {
    const source = JSON.parse('{"__proto__":{"polluted":true},"name":"a"}') as object;
    const copied = copyMembers({}, source) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copied)).toBe(Object.prototype);
    expect(copied.polluted).toBeUndefined();
    expect(Object.keys(copied)).toEqual(['__proto__', 'name']);
    expect(JSON.stringify(copied)).toBe(JSON.stringify({ ...source }));
  });
});
