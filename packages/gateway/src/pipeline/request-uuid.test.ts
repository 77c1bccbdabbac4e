import { requestUuid } from './request-uuid';

describe('requestUuid', () => {
  it('makes version 4 UUIDs as crypto.randomUUID writes them, each new, across several batches', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const id = requestUuid();
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(1000);
  });

  it('uses every random bit but the version and variant ones', () => {
    // Over 1,000 UUIDs each free hex digit takes many values (a digit stuck at one value would show here).
    const digits = Array.from({ length: 36 }, () => new Set<string>());
    for (let i = 0; i < 1000; i++) [...requestUuid()].forEach((c, j) => digits[j]!.add(c));
    digits.forEach((values, j) => {
      if ([8, 13, 18, 23].includes(j)) expect([...values]).toEqual(['-']);
      else if (j === 14) expect([...values]).toEqual(['4']);
      else if (j === 19) expect([...values].sort()).toEqual(['8', '9', 'a', 'b']);
      else expect(values.size).toBe(16);
    });
  });
});
