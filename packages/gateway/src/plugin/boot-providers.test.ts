import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bootProviders } from './boot-providers';

describe('bootProviders', () => {
  const enabled = ['ecs', 'logs', 'ssm', 'elasticloadbalancing', 'mything'];
  const memory = { enabled: false, dataDir: '/nonexistent' };

  test('lazy: ECS (its start cleans up and follows the engine) and services the edge cannot route unloaded', () => {
    expect(bootProviders({ providerStart: 'lazy', persistence: memory }, enabled)).toEqual(['ecs', 'mything']);
  });

  test('eager: every enabled provider, in order', () => {
    expect(bootProviders({ providerStart: 'eager', persistence: memory }, enabled)).toEqual(enabled);
  });

  test('persistent: also those whose data directory exists', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'boot-providers-'));
    try {
      fs.mkdirSync(path.join(dataDir, 'elasticloadbalancing'));
      expect(bootProviders({ providerStart: 'lazy', persistence: { enabled: true, dataDir } }, enabled)).toEqual([
        'ecs',
        'elasticloadbalancing',
        'mything',
      ]);
      // The same directory without PERSISTENCE=1 is not state this run reads.
      expect(bootProviders({ providerStart: 'lazy', persistence: { enabled: false, dataDir } }, enabled)).toEqual([
        'ecs',
        'mything',
      ]);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
