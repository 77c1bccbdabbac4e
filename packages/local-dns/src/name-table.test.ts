import { NameTable } from './name-table';
import { localDns, sharedNameTable } from './shared';

const a = (...addresses: string[]) => ({ a: { addresses, ttl: 10 } });

describe('NameTable', () => {
  test('a publication replaces the owner’s previous one; withdraw takes it all back', () => {
    const table = new NameTable();
    expect(table.isEmpty()).toBe(true);
    table.publish('sd/1', { names: { 'api.internal.local': a('10.0.0.1'), 'old.internal.local': a('10.0.0.9') } });
    expect(table.isEmpty()).toBe(false);
    table.publish('sd/1', { names: { 'API.Internal.Local.': a('10.0.0.2') } });
    expect(table.lookup('api.internal.local')).toEqual({ kind: 'records', sets: [a('10.0.0.2')] });
    expect(table.lookup('old.internal.local')).toEqual({ kind: 'unknown' });
    table.withdraw('sd/1');
    expect(table.lookup('api.internal.local')).toEqual({ kind: 'unknown' });
    expect(table.isEmpty()).toBe(true);
  });

  test('names of several owners are answered together, in publication order', () => {
    const table = new NameTable();
    table.publish('ecs/a', { names: { backend: a('10.0.0.1') } });
    table.publish('ecs/b', { names: { backend: a('10.0.0.2') } });
    expect(table.lookup('backend')).toEqual({ kind: 'records', sets: [a('10.0.0.1'), a('10.0.0.2')] });
    table.withdraw('ecs/a');
    expect(table.lookup('backend')).toEqual({ kind: 'records', sets: [a('10.0.0.2')] });
  });

  test('a zone makes unpublished names at or below it NXDOMAIN; names outside stay unknown', () => {
    const table = new NameTable();
    table.publish('ns/1', { zones: ['internal.local'] });
    expect(table.lookup('nothing.internal.local')).toEqual({ kind: 'nxdomain', zone: 'internal.local' });
    expect(table.lookup('internal.local')).toEqual({ kind: 'nxdomain', zone: 'internal.local' });
    expect(table.lookup('xinternal.local')).toEqual({ kind: 'unknown' });
    expect(table.lookup('example.com')).toEqual({ kind: 'unknown' });
    table.publish('sd/1', { names: { 'api.internal.local': a('10.0.0.1') } });
    expect(table.lookup('api.internal.local').kind).toBe('records');
    table.withdraw('ns/1');
    expect(table.lookup('nothing.internal.local')).toEqual({ kind: 'unknown' });
  });

  test('listeners hear every change; owners are listed by prefix', () => {
    const table = new NameTable();
    let changes = 0;
    const off = table.onChange(() => changes++);
    table.publish('sd/000000000000/us-east-1/srv-1', { names: { x: a('10.0.0.1') } });
    table.publish('sd/000000000000/eu-west-1/srv-2', { names: { y: a('10.0.0.2') } });
    table.withdraw('nobody');
    expect(changes).toBe(2);
    expect(table.ownersStartingWith('sd/000000000000/us-east-1/')).toEqual(['sd/000000000000/us-east-1/srv-1']);
    off();
    table.withdraw('sd/000000000000/us-east-1/srv-1');
    expect(changes).toBe(2);
  });

  test('an empty name is refused', () => {
    expect(() => new NameTable().publish('x', { names: { '.': a('10.0.0.1') } })).toThrow(/empty name/);
  });
});

describe('sharedNameTable', () => {
  test('every provider of one gateway gets the same table', () => {
    const services = new Map<string, object>();
    const context = {
      sharedService: <T extends object>(key: string, create: () => T): T => {
        if (!services.has(key)) services.set(key, create());
        return services.get(key) as T;
      },
    };
    expect(sharedNameTable(context)).toBe(sharedNameTable(context));
    expect(localDns(context).table).toBe(sharedNameTable(context));
  });
});
