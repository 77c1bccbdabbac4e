import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const SCRIPT = path.join(__dirname, '../scripts/new-provider.js');
const run = (command: string, args: string[]) => spawnSync(command, args, { cwd: ROOT, encoding: 'utf8' });

/**
 * `npm run new-provider` proves itself: a skeleton for CloudWatch Logs (AWS JSON) and one for ELBv2 (AWS
 * Query), whose clients are installed, are each written to a scratch package, type-check, and pass their own
 * e2e tests through the SDK client. A dot directory, so neither the workspaces nor the repository's jest run
 * see it; removed afterwards.
 */
describe('npm run new-provider', () => {
  const dir = path.join(ROOT, 'packages', `.new-provider-test-${process.pid}`);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  // One AWS JSON service and one AWS Query service (ELBv2: form-encoded requests, XML answers).
  it.each([
    ['logs', '@aws-sdk/client-cloudwatch-logs'],
    ['elasticloadbalancing', '@aws-sdk/client-elastic-load-balancing-v2'],
  ])(
    'creates a %s provider that builds and whose e2e test passes',
    (service, sdk) => {
      fs.rmSync(dir, { recursive: true, force: true });
      const created = run(process.execPath, [SCRIPT, service, '--sdk', sdk, '--dir', dir]);
      expect(created.stderr).toBe('');
      expect(created.status).toBe(0);
      const files = (sub: string) => fs.readdirSync(path.join(dir, sub)).sort();
      expect(files('.')).toEqual(['docs', 'model', 'package.json', 'src', 'test', 'tsconfig.json']);
      expect(files('src')).toEqual(['generated', 'index.ts', 'operations.ts', 'provider.ts', 'store.ts', 'testing']);
      expect(files('src/generated')).toEqual([`${service}-model.json`]);
      expect(files('test')).toEqual([`${service}.e2e.test.ts`]);
      expect(files('docs')).toEqual([`${service}-provider.md`]);

      fs.writeFileSync(
        path.join(dir, 'tsconfig.check.json'),
        JSON.stringify({
          extends: '../../tsconfig.test.json',
          compilerOptions: { baseUrl: '../..' },
          include: ['src/**/*.ts', 'test/**/*.ts'],
        }),
      );
      const tsc = run(process.execPath, [
        require.resolve('typescript/bin/tsc'),
        '--noEmit',
        '-p',
        path.join(dir, 'tsconfig.check.json'),
      ]);
      expect(tsc.stdout + tsc.stderr).toBe('');

      const jest = run(process.execPath, [
        require.resolve('jest/bin/jest'),
        '--rootDir',
        ROOT,
        '--roots',
        dir,
        '--testMatch',
        '**/*.test.ts',
        dir,
      ]);
      expect(jest.stderr).toMatch(/Tests: +2 passed, 2 total/);
      expect(jest.status).toBe(0);
    },
    240_000,
  );

  it('refuses a client package that is not installed, and a directory that is not empty', () => {
    const missing = run(process.execPath, [SCRIPT, 'nosuchservice', '--dir', dir]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('npm install -D @aws-sdk/client-nosuchservice');
    const exists = run(process.execPath, [
      SCRIPT,
      'logs',
      '--sdk',
      '@aws-sdk/client-cloudwatch-logs',
      '--dir',
      __dirname,
    ]);
    expect(exists.status).toBe(1);
    expect(exists.stderr).toContain('exists and is not empty');
  });
});
