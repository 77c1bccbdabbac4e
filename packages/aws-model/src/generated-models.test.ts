import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ModelValidator } from './validator';
import type { ServiceModel } from './model';

const ROOT = path.resolve(__dirname, '../../..');
const services = JSON.parse(fs.readFileSync(path.join(__dirname, '../services.json'), 'utf8')) as Record<
  string,
  { package: string; out: string; overlay?: string }
>;
delete services.$comment;
const load = (out: string) => JSON.parse(fs.readFileSync(path.join(ROOT, out), 'utf8')) as ServiceModel;

describe('the generated models', () => {
  it.each(Object.entries(services))('%s was generated from the installed SDK version', (_name, entry) => {
    const model = load(entry.out);
    const installed = JSON.parse(
      fs.readFileSync(require.resolve(`${entry.package}/package.json`, { paths: [ROOT] }), 'utf8'),
    ) as { version: string };
    expect(model.source).toMatchObject({ package: entry.package, version: installed.version });
  });

  it('are what the generator writes from the installed SDK and the committed overlays', () => {
    const run = spawnSync(process.execPath, [path.join(__dirname, '../scripts/generate.js'), '--check'], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('--check fails on a file that differs, and generating fixes it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aws-model-'));
    try {
      const out = path.join(dir, 'logs-model.json');
      fs.writeFileSync(out, '{}\n');
      const servicesFile = path.join(dir, 'services.json');
      fs.writeFileSync(servicesFile, JSON.stringify({ logs: { ...services.logs, out } }));
      const generate = (...args: string[]) =>
        spawnSync(process.execPath, [path.join(__dirname, '../scripts/generate.js'), ...args], {
          encoding: 'utf8',
          env: { ...process.env, AWS_MODEL_SERVICES: servicesFile },
        });
      const stale = generate('--check');
      expect(stale.status).toBe(1);
      expect(stale.stderr).toContain('run `npm run generate`');
      expect(generate().status).toBe(0);
      expect(fs.readFileSync(out, 'utf8')).toBe(fs.readFileSync(path.join(ROOT, services.logs!.out), 'utf8'));
      expect(generate('--check').status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('carry required members, enums, errors and protocol settings from the SDK', () => {
    const ecs = load(services.ecs!.out);
    expect(ecs.service).toMatchObject({ protocol: 'awsJson1_1', targetPrefix: 'AmazonEC2ContainerServiceV20141113' });
    expect(ecs.structures.RegisterTaskDefinitionRequest!.required).toEqual(['family', 'containerDefinitions']);
    expect(ecs.structures.ListTaskDefinitionsRequest!.members.status).toEqual({
      type: 'string',
      enum: ['ACTIVE', 'DELETE_IN_PROGRESS', 'INACTIVE'],
    });
    expect(ecs.operations.ListClusters!.errors).toEqual([
      'AccessDeniedException',
      'ClientException',
      'InvalidParameterException',
      'ServerException',
    ]);
    expect(ecs.errors.ServerException).toEqual({ fault: 'server' });
    const logs = load(services.logs!.out);
    expect(logs.service).toMatchObject({ protocol: 'awsJson1_1', targetPrefix: 'Logs_20140328' });
    expect(logs.structures[logs.operations.PutLogEvents!.input!]!.required).toEqual([
      'logGroupName',
      'logStreamName',
      'logEvents',
    ]);
  });

  // How long this takes is measured by `npm run bench -- startup`, never asserted here.
  it('every generated model loads and refuses an input missing a required member', () => {
    for (const entry of Object.values(services)) {
      const validator = new ModelValidator(JSON.parse(fs.readFileSync(path.join(ROOT, entry.out), 'utf8')));
      // The first operation with a required member (Secrets Manager's first, BatchGetSecretValue, has none).
      const { operations, structures } = validator.model;
      const operation = Object.keys(operations).find((op) => structures[operations[op]!.input ?? '']?.required.length);
      expect(() => validator.validate(operation!, {})).toThrow();
    }
  });
});
