import { AccountRegionStores } from './account-region-stores';

describe('AccountRegionStores', () => {
  it('creates one bundle per account and region, the same one however it is asked for, and anew after clear', () => {
    const created: string[] = [];
    const stores = new AccountRegionStores((accountId, region) => {
      created.push(`${accountId}/${region}`);
      return { accountId, region };
    });
    const a = stores.get('111111111111', 'us-east-1');
    expect(stores.get('111111111111', 'us-east-1')).toBe(a);
    // Equal strings that are not the same objects name the same bundle.
    expect(stores.get(['1111', '11111111'].join(''), ['us-east', '-1'].join(''))).toBe(a);
    const b = stores.get('111111111111', 'eu-west-1');
    const c = stores.get('222222222222', 'us-east-1');
    expect(b).toEqual({ accountId: '111111111111', region: 'eu-west-1' });
    expect(c).toEqual({ accountId: '222222222222', region: 'us-east-1' });
    expect(stores.get('111111111111', 'us-east-1')).toBe(a);
    expect(stores.get('111111111111', 'eu-west-1')).toBe(b);
    expect(created).toEqual(['111111111111/us-east-1', '111111111111/eu-west-1', '222222222222/us-east-1']);
    expect([...stores.entries()].map((e) => e.store)).toEqual([a, b, c]);

    stores.clear();
    const again = stores.get('111111111111', 'us-east-1');
    expect(again).not.toBe(a);
    expect(again).toEqual(a);
    expect(created).toHaveLength(4);
  });
});
