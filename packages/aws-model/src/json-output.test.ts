import { toJsonOutput } from './json-output';
import type { ServiceModel } from './model';

describe('toJsonOutput', () => {
  const model: ServiceModel = {
    source: { package: 'test', version: '0', smithyCore: '0', overlay: null },
    service: { name: 'test', protocol: 'awsJson1_1' },
    operations: { Get: { output: 'GetResult', errors: [] } },
    structures: {
      GetResult: {
        members: {
          createdAt: 'timestamp',
          iso: { type: 'timestamp', format: 'date-time' },
          http: { type: 'timestamp', format: 'http-date' },
          body: 'blob',
          items: { list: { structure: 'Item' } },
          byName: { map: { structure: 'Item' } },
        },
        required: [],
      },
      Item: { members: { at: { type: 'timestamp', format: 'date-time' } }, required: [] },
    },
    errors: {},
  };
  const when = new Date('2026-01-02T03:04:05.500Z');

  it('writes timestamps in the format of each member, blobs as base64, and leaves the input alone', () => {
    const output = {
      createdAt: when,
      iso: when,
      http: when,
      body: Buffer.from('hi'),
      items: [{ at: when }],
      byName: { a: { at: when } },
      unknown: { when, bytes: new Uint8Array([1, 2]) },
      gone: undefined,
    };
    expect(toJsonOutput(model, 'Get', output)).toEqual({
      createdAt: 1767323045.5,
      iso: '2026-01-02T03:04:05.500Z',
      http: 'Fri, 02 Jan 2026 03:04:05 GMT',
      body: 'aGk=',
      items: [{ at: '2026-01-02T03:04:05.500Z' }],
      byName: { a: { at: '2026-01-02T03:04:05.500Z' } },
      unknown: { when: 1767323045.5, bytes: 'AQI=' },
    });
    expect(output.createdAt).toBe(when);
  });

  it('uses the protocol defaults for an operation the model does not have', () => {
    expect(toJsonOutput(model, 'Other', { at: when, n: 1, s: 's', l: [true] })).toEqual({
      at: 1767323045.5,
      n: 1,
      s: 's',
      l: [true],
    });
  });
});
