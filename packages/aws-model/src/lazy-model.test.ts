import { lazyServiceModel, onFirstUse } from './model';

describe('lazyServiceModel', () => {
  it('loads the model once, on the first read of a member, not when made', () => {
    const json = {
      source: { package: '@aws-sdk/client-x', version: '1', smithyCore: '1', overlay: null },
      service: { name: 'x', protocol: 'awsJson1_1' },
      operations: { Op: { errors: [] } },
      structures: {},
      errors: {},
    };
    const load = jest.fn(() => json);
    const model = lazyServiceModel(load);
    expect(load).not.toHaveBeenCalled();
    expect(Object.keys(model.operations)).toEqual(['Op']);
    expect(model.service.name).toBe('x');
    expect(model.structures).toBe(json.structures);
    expect(model.errors).toBe(json.errors);
    expect(model.source).toBe(json.source);
    expect(load).toHaveBeenCalledTimes(1);
  });
});

describe('onFirstUse', () => {
  it('makes the value on the first call and keeps it, even when it is undefined', () => {
    const make = jest.fn(() => undefined);
    const value = onFirstUse(make);
    expect(make).not.toHaveBeenCalled();
    expect(value()).toBeUndefined();
    expect(value()).toBeUndefined();
    expect(make).toHaveBeenCalledTimes(1);
  });
});
