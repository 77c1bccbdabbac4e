import { conditionsMatch, normaliseConditions, type RequestFacts } from '../domain/conditions';
import { Balancer } from './balancer';
import { matchesCodes } from './health-checker';

const request = (over: Partial<RequestFacts> = {}): RequestFacts => ({
  path: '/api/v1/items',
  host: 'shop.example.com:8080',
  method: 'GET',
  headers: { 'user-agent': 'Mozilla/5.0 (Mobile)' },
  query: new URLSearchParams('version=2&debug=true'),
  sourceIp: '::ffff:192.168.1.20',
  ...over,
});

describe('rule conditions', () => {
  const matches = (condition: Record<string, unknown>, facts = request()) =>
    conditionsMatch(normaliseConditions([condition]), facts);

  it('matches paths with * and ?, case-sensitively', () => {
    expect(matches({ Field: 'path-pattern', Values: ['/api/*'] })).toBe(true);
    expect(matches({ Field: 'path-pattern', Values: ['/api/v?/items'] })).toBe(true);
    expect(matches({ Field: 'path-pattern', Values: ['/API/*'] })).toBe(false);
    expect(matches({ Field: 'path-pattern', Values: ['/other', '/api/v1/items'] })).toBe(true);
  });

  it('matches host names without their port, case-insensitively', () => {
    expect(matches({ Field: 'host-header', HostHeaderConfig: { Values: ['*.EXAMPLE.com'] } })).toBe(true);
    expect(matches({ Field: 'host-header', Values: ['example.com'] })).toBe(false);
  });

  it('matches headers, methods, query strings and source addresses', () => {
    expect(
      matches({ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'User-Agent', Values: ['*mobile*'] } }),
    ).toBe(true);
    expect(matches({ Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['POST'] } })).toBe(false);
    expect(matches({ Field: 'query-string', QueryStringConfig: { Values: [{ Key: 'debug', Value: 'TRUE' }] } })).toBe(
      true,
    );
    expect(matches({ Field: 'query-string', QueryStringConfig: { Values: [{ Value: '2' }] } })).toBe(true);
    expect(matches({ Field: 'source-ip', SourceIpConfig: { Values: ['192.168.0.0/16'] } })).toBe(true);
    expect(matches({ Field: 'source-ip', SourceIpConfig: { Values: ['10.0.0.0/8'] } })).toBe(false);
  });

  it('needs every condition of a rule to match', () => {
    const both = normaliseConditions([
      { Field: 'path-pattern', Values: ['/api/*'] },
      { Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['POST'] } },
    ]);
    expect(conditionsMatch(both, request())).toBe(false);
    expect(conditionsMatch(both, request({ method: 'POST' }))).toBe(true);
  });

  it('refuses unknown fields, missing values and bad CIDR blocks with ValidationError', () => {
    for (const bad of [
      { Field: 'cookie', Values: ['x'] },
      { Field: 'path-pattern', Values: [] },
      { Field: 'source-ip', SourceIpConfig: { Values: ['10.0.0.0/33'] } },
    ]) {
      expect(() => normaliseConditions([bad])).toThrow(expect.objectContaining({ code: 'ValidationError' }));
    }
  });
});

describe('Balancer', () => {
  it('spreads a weighted forward evenly in proportion and skips weight 0', () => {
    const balancer = new Balancer();
    const picks = Array.from({ length: 8 }, () =>
      balancer.pickGroup('rule', [
        { arn: 'a', weight: 3 },
        { arn: 'b', weight: 1 },
        { arn: 'c', weight: 0 },
      ]),
    );
    expect(picks).toEqual(['a', 'a', 'b', 'a', 'a', 'a', 'b', 'a']);
  });

  it('takes a group’s targets in turn', () => {
    const balancer = new Balancer();
    expect(Array.from({ length: 5 }, () => balancer.pickTarget('g', ['x', 'y', 'z']))).toEqual([
      'x',
      'y',
      'z',
      'x',
      'y',
    ]);
    expect(balancer.pickTarget('g', [])).toBeUndefined();
  });
});

describe('health check matcher', () => {
  it('reads single codes, lists and ranges', () => {
    expect(matchesCodes('200', 200)).toBe(true);
    expect(matchesCodes('200,202', 202)).toBe(true);
    expect(matchesCodes('200-299', 204)).toBe(true);
    expect(matchesCodes('200-299', 301)).toBe(false);
  });
});
