import type { ProviderContext, RequestContext } from '@localcloud/gateway';
import type { ServiceModel } from './model';
import { ModelledProvider, type AccountRegion, type ModelledProviderSpec } from './modelled-provider';
import { REDACTED } from './redact';

const model = {
  source: { package: 'test', version: '0', smithyCore: '0', overlay: null },
  service: { name: 'test', protocol: 'awsJson1_1', targetPrefix: 'test' },
  operations: {
    Put: { input: 'PutIn', output: 'Out', errors: [] },
    Other: { input: 'Out', output: 'Out', errors: [] },
  },
  structures: {
    PutIn: {
      members: { Name: { type: 'string', length: [1, 5] }, Secret: { type: 'string', sensitive: true } },
      required: [],
    },
    Out: { members: {}, required: [] },
  },
  errors: {},
} as unknown as ServiceModel;

interface Store {
  readonly dir: string | undefined;
  readonly names: string[];
  closed: boolean;
  close(): void;
  durable(): Promise<void>;
}
interface Scope {
  readonly where: AccountRegion;
  readonly store: Store;
}

class TestProvider extends ModelledProvider<Store, Scope> {
  readonly opened: Store[] = [];
  /** What the stores' durable() returns: resolved unless a test holds it. */
  durable: () => Promise<void> = () => Promise.resolve();
  constructor(context: ProviderContext, spec: Partial<ModelledProviderSpec<Scope>> = {}) {
    super(context, {
      service: { name: 'test', targetPrefix: 'test', protocol: 'json1.1' },
      model,
      handlers: {
        Put: (input: { Name: string }, scope: Scope) => {
          scope.store.names.push(input.Name);
          return { count: scope.store.names.length };
        },
      },
      ...spec,
    });
  }
  protected openStore(dir: string | undefined): Store {
    const store = {
      dir,
      names: [],
      closed: false,
      close: () => (store.closed = true),
      durable: () => this.durable(),
    };
    this.opened.push(store);
    return store;
  }
  protected scopeFor(where: AccountRegion): Scope {
    return { where, store: this.stores.get(where.accountId, where.region) };
  }
}

const context = (enabled: boolean) =>
  ({
    persistence: { enabled, dataDir: '/data' },
    env: {},
    lookupProvider: async () => undefined,
  }) as unknown as ProviderContext;
const request = (accountId: string, region: string, operation = 'Put'): RequestContext => ({
  requestId: 'r',
  service: 'test',
  operation,
  accountId,
  region,
});

describe('ModelledProvider', () => {
  it("lists the model's operations and answers 501 for those without a handler", async () => {
    const provider = new TestProvider(context(false));
    expect([...provider.operations].sort()).toEqual(['Other', 'Put']);
    await expect(provider.handle('Other', {}, request('1', 'r', 'Other'))).rejects.toMatchObject({
      code: 'NotImplementedException',
    });
  });

  it('keeps one store per account and region, under <DATA_DIR>/<service>/<account>/<region> with persistence', async () => {
    const provider = new TestProvider(context(true));
    await provider.handle('Put', { Name: 'a' }, request('111', 'eu-west-1'));
    expect(await provider.handle('Put', { Name: 'b' }, request('111', 'eu-west-1'))).toEqual({ count: 2 });
    expect(await provider.handle('Put', { Name: 'c' }, request('222', 'eu-west-1'))).toEqual({ count: 1 });
    expect(provider.opened.map((s) => s.dir)).toEqual(['/data/test/111/eu-west-1', '/data/test/222/eu-west-1']);
    expect(await provider.health()).toEqual({ status: 'running', persistence: true });
    await provider.stop();
    expect(provider.opened.every((s) => s.closed)).toBe(true);
    expect(new TestProvider(context(false))['openStore'](undefined).dir).toBeUndefined();
  });

  it("answers only once the store's durable() resolves, and fails the request when it rejects", async () => {
    const provider = new TestProvider(context(true));
    let release!: () => void;
    provider.durable = () => new Promise<void>((resolve) => (release = resolve));
    let answered = false;
    const answer = provider.handle('Put', { Name: 'a' }, request('1', 'r')).then(() => (answered = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    release();
    await answer;
    expect(answered).toBe(true);
    provider.durable = () => Promise.reject(new Error('EIO'));
    await expect(provider.handle('Put', { Name: 'b' }, request('1', 'r'))).rejects.toThrow('EIO');
  });

  it('validates in validateInput with the service code, or in handle with validateInHandle', async () => {
    const gatewayChecked = new TestProvider(context(false), { validationErrorCode: 'InvalidParameterException' });
    expect(() => gatewayChecked.validateInput('Put', { Name: 'too long' })).toThrow(
      expect.objectContaining({ code: 'InvalidParameterException' }),
    );
    await expect(gatewayChecked.handle('Put', { Name: 'too long' }, request('1', 'r'))).resolves.toEqual({
      count: 1,
    });

    const handleChecked = new TestProvider(context(false), { validateInHandle: true });
    expect(() => handleChecked.validateInput('Put', { Name: 'too long' })).not.toThrow();
    await expect(handleChecked.handle('Put', { Name: 'too long' }, request('1', 'r'))).rejects.toMatchObject({
      code: 'ValidationException',
    });
  });

  it('redacts what the model marks sensitive', () => {
    const provider = new TestProvider(context(false));
    expect(provider.redactForLog('Put', 'input', { Name: 'n', Secret: 's' })).toEqual({ Name: 'n', Secret: REDACTED });
  });
});
