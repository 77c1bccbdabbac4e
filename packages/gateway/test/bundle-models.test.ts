import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '../../..');

// The build script's form of a generated model in the bundle: structures parsed on first read.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { modelModuleSource } = require(path.join(ROOT, 'scripts/bundle.js')) as {
  modelModuleSource: (model: unknown) => string;
};

interface Model {
  operations: Record<string, { input?: string; output?: string }>;
  structures: Record<string, { members: Record<string, unknown> }>;
}

const generated = fs
  .readdirSync(path.join(ROOT, 'packages'))
  .map((name) => path.join(ROOT, 'packages', name, 'src/generated'))
  .filter((dir) => fs.existsSync(dir))
  .flatMap((dir) => fs.readdirSync(dir).map((file) => path.join(dir, file)))
  .filter((file) => file.endsWith('-model.json'));

/** Evaluates the module source as the bundle does; returns its exports and how many times it called JSON.parse. */
function evaluate(source: string): { model: Model; parses: () => number } {
  let count = 0;
  const counting = { parse: (text: string) => (count++, JSON.parse(text)) };
  const module = { exports: {} as Model };
  new Function('module', 'JSON', source)(module, counting);
  return { model: module.exports, parses: () => count };
}

describe('the bundle: generated models with structures parsed on first read (scripts/bundle.js)', () => {
  it('finds the generated models', () => {
    expect(generated.map((file) => path.basename(file))).toEqual(expect.arrayContaining(['ecs-model.json']));
  });

  it.each(generated.map((file) => [path.basename(file), file]))('%s reads as the JSON it was made from', (_, file) => {
    const text = fs.readFileSync(file, 'utf8');
    const { model } = evaluate(modelModuleSource(JSON.parse(text)));
    expect(JSON.stringify(model)).toBe(JSON.stringify(JSON.parse(text)));
  });

  it('parses a structure when it is first read, once, and only that one', () => {
    const json = JSON.parse(
      fs.readFileSync(path.join(ROOT, 'packages/ecs-provider/src/generated/ecs-model.json'), 'utf8'),
    );
    const { model, parses } = evaluate(modelModuleSource(json));
    const atLoad = parses();
    const input = model.operations.ListClusters!.input!;
    expect(Object.getOwnPropertyDescriptor(model.structures, input)?.get).toBeInstanceOf(Function);

    expect(model.structures[input]).toEqual(json.structures[input]);
    expect(model.structures[input]).toBe(model.structures[input]);
    expect(parses()).toBe(atLoad + 1);
    expect(Object.getOwnPropertyDescriptor(model.structures, input)).toMatchObject({
      writable: true,
      enumerable: true,
    });
    expect(Object.keys(model.structures)).toEqual(Object.keys(json.structures));
    expect(parses()).toBe(atLoad + 1);
    expect(model.structures.NoSuchStructure).toBeUndefined();

    model.structures[input] = { members: {} };
    expect(model.structures[input]).toEqual({ members: {} });
  });
});
