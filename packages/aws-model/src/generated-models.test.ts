import fs from 'node:fs';
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

  it('load and validate fast enough for a gateway that starts in well under 150 ms', () => {
    const started = process.hrtime.bigint();
    for (const entry of Object.values(services)) {
      const validator = new ModelValidator(JSON.parse(fs.readFileSync(path.join(ROOT, entry.out), 'utf8')));
      expect(() => validator.validate(Object.keys(validator.model.operations)[0]!, {})).toThrow();
    }
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(100);
  });
});
