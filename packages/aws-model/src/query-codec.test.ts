import { QueryCodec } from './query-codec';
import { ModelValidator } from './validator';
import type { ServiceModel } from './model';

const model: ServiceModel = {
  source: { package: 'test', version: '0', smithyCore: '0', overlay: null },
  service: { name: 'test', protocol: 'awsQuery', apiVersion: '2020-01-01' },
  operations: {
    Make: { input: 'MakeInput', output: 'MakeOutput', resultWrapper: 'MakeResult', errors: [] },
    Drop: { input: 'MakeInput', errors: [] },
  },
  structures: {
    MakeInput: {
      members: {
        Name: 'string',
        Count: { type: 'number', range: [1, 10] },
        On: 'boolean',
        Subnets: { list: 'string' },
        Flat: { list: 'string', flattened: true },
        Tags: { list: { structure: 'Tag' } },
        Labels: { map: 'string' },
        Renamed: { type: 'string', xmlName: 'Other' },
      },
      required: ['Name'],
    },
    Tag: { members: { Key: 'string', Value: 'string' }, required: ['Key'] },
    MakeOutput: {
      members: {
        Items: { list: { structure: 'Item' } },
        Labels: { map: 'number' },
        Empty: { list: 'string' },
      },
      required: [],
    },
    Item: { members: { Id: 'string', At: 'timestamp', Ok: 'boolean', Size: 'number' }, required: [] },
  },
  errors: {},
};

describe('QueryCodec', () => {
  const codec = new QueryCodec(model);
  const params = (entries: Record<string, string>) => new Map(Object.entries(entries));

  it('rebuilds lists, maps, structures, numbers and booleans from flat parameters', () => {
    const input = codec.decodeInput(
      'Make',
      params({
        Name: 'lb',
        Count: '3',
        On: 'true',
        'Subnets.member.2': 'b',
        'Subnets.member.1': 'a',
        'Subnets.member.10': 'j',
        'Flat.1': 'x',
        'Tags.member.1.Key': 'k',
        'Tags.member.1.Value': 'v',
        'Labels.entry.1.key': 'env',
        'Labels.entry.1.value': 'dev',
        Other: 'renamed',
        Unknown: 'ignored',
      }),
    );
    expect(input).toEqual({
      Name: 'lb',
      Count: 3,
      On: true,
      Subnets: ['a', 'b', 'j'],
      Flat: ['x'],
      Tags: [{ Key: 'k', Value: 'v' }],
      Labels: { env: 'dev' },
      Renamed: 'renamed',
    });
  });

  it('reads `Name=` as an empty list', () => {
    expect(codec.decodeInput('Make', params({ Name: 'x', Subnets: '' }))).toEqual({ Name: 'x', Subnets: [] });
  });

  it('leaves a value that does not parse as its type for the validator, which answers ValidationError', () => {
    const input = codec.decodeInput('Make', params({ Count: 'many', On: 'yes' }));
    expect(input).toEqual({ Count: 'many', On: 'yes' });
    const validator = new ModelValidator(model);
    expect(() => validator.validate('Make', input)).toThrow(
      expect.objectContaining({ code: 'ValidationError', statusCode: 400 }),
    );
  });

  it('writes results as the model names them: members, entries, ISO timestamps, escaped text', () => {
    const xml = codec.encodeOutput('Make', {
      Items: [{ Id: 'a<b', At: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), Ok: false, Size: 2, Secret: 'x' }],
      Labels: { n: 1 },
      Empty: [],
      NotInModel: 'x',
    });
    expect(xml).toBe(
      '<MakeResult><Items><member><Id>a&lt;b</Id><At>2026-01-02T03:04:05.000Z</At><Ok>false</Ok><Size>2</Size>' +
        '</member></Items><Labels><entry><key>n</key><value>1</value></entry></Labels><Empty></Empty></MakeResult>',
    );
  });

  it('writes nothing for an operation without a result wrapper', () => {
    expect(codec.encodeOutput('Drop', {})).toBe('');
  });
});
