import net from 'node:net';
import request from 'supertest';
import { createGateway } from './app';
import { loadConfig } from './config';
import { createLogger } from './logger';
import type { ServiceProvider } from './plugin/service-provider';

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });

/**
 * A provider the boot starts (ECS) serves its API while its start still waits (ECS's waits for the Docker
 * engine), as before providers were loaded on first use; a lazy one's first request waits for its start.
 */
describe('requests while providers start', () => {
  it('go to a provider the boot is starting at once, and to a lazy one after its start', async () => {
    let finishEcs!: () => void;
    let finishLogs!: () => void;
    const events: string[] = [];
    const provider = (name: string, targetPrefix: string, start: () => Promise<void>): ServiceProvider => ({
      service: { name, targetPrefix, protocol: 'json1.1' },
      operations: new Set(['List']),
      async handle() {
        events.push(`${name} handled`);
        return {};
      },
      start,
    });
    const port = await freePort();
    const gateway = await createGateway({
      config: loadConfig({ GATEWAY_LISTEN: `127.0.0.1:${port}` }),
      logger: createLogger('error'),
      providers: {
        ecs: () =>
          provider('ecs', 'AmazonEC2ContainerServiceV20141113', () => new Promise((resolve) => (finishEcs = resolve))),
        logs: () =>
          provider('logs', 'Logs_20140328', () => {
            events.push('logs starting');
            return new Promise((resolve) => (finishLogs = resolve));
          }),
      },
    });
    const listening = gateway.listen();
    try {
      const url = `http://127.0.0.1:${port}`;
      const post = (target: string) =>
        request(url).post('/').set('content-type', 'application/x-amz-json-1.1').set('x-amz-target', target).send('{}');
      // The port is bound before the boot's starts end: ECS answers while its start waits.
      let ecs = await post('AmazonEC2ContainerServiceV20141113.List').catch(() => undefined);
      while (!ecs) ecs = await post('AmazonEC2ContainerServiceV20141113.List').catch(() => undefined);
      expect(ecs.status).toBe(200);
      expect(events).toEqual(['ecs handled']);

      const logs = post('Logs_20140328.List').then((res) => res.status);
      while (!events.includes('logs starting')) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(events).toEqual(['ecs handled', 'logs starting']);
      finishLogs();
      expect(await logs).toBe(200);
      expect(events).toEqual(['ecs handled', 'logs starting', 'logs handled']);
    } finally {
      finishEcs();
      await listening;
      await gateway.close();
    }
  });
});
