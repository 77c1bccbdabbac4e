import { paginate } from './pagination';

const limits = { defaultSize: 2, maxSize: 3 };
const id = (s: string) => s;

describe('paginate', () => {
  it('walks a list page by page with opaque tokens', () => {
    const items = ['a', 'b', 'c', 'd', 'e'];
    const first = paginate('L', items, id, {}, limits);
    expect(first.items).toEqual(['a', 'b']);
    const second = paginate('L', items, id, { nextToken: first.nextToken, maxResults: 3 }, limits);
    expect(second.items).toEqual(['c', 'd', 'e']);
    expect(second.nextToken).toBeUndefined();
  });

  it('continues after the last item seen when the list changed meanwhile', () => {
    const first = paginate('L', ['a', 'b', 'c', 'd'], id, {}, limits);
    expect(paginate('L', ['0', 'a', 'b', 'c', 'd'], id, { nextToken: first.nextToken }, limits).items).toEqual([
      'c',
      'd',
    ]);
    // The last item seen is gone: continue from its position.
    expect(paginate('L', ['a', 'c', 'd'], id, { nextToken: first.nextToken }, limits).items).toEqual(['d']);
  });

  it('refuses bad tokens, tokens of another listing and out-of-range page sizes', () => {
    const { nextToken } = paginate('L', ['a', 'b', 'c'], id, {}, limits);
    expect(() => paginate('M', ['a', 'b', 'c'], id, { nextToken }, limits)).toThrow('Invalid nextToken');
    expect(() => paginate('L', [], id, { nextToken: '%%%' }, limits)).toThrow('Invalid nextToken');
    expect(() => paginate('L', [], id, { maxResults: 0 }, limits)).toThrow('maxResults');
    expect(() => paginate('L', [], id, { maxResults: 4 }, limits)).toThrow('maxResults');
  });
});
