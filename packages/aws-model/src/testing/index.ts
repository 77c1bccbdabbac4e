// Test support shared with other packages' suites as `@localcloud/aws-model/testing`; never built.
import type { InputModel, InputSchema } from '@localcloud/gateway/testing';
import type { ServiceModel, Shape } from '../model';

/**
 * A service's input shapes as the JSON Schema subset test tools read (the request fuzzer), from the same
 * generated model the provider validates with.
 */
export function inputModelOf(model: ServiceModel): InputModel {
  return {
    operations: Object.fromEntries(
      Object.entries(model.operations).map(([operation, op]) => [
        operation,
        op.input ? { $ref: ref(op.input) } : { type: 'object' },
      ]),
    ),
    definitions: Object.fromEntries(
      Object.entries(model.structures).map(([name, structure]) => [
        name,
        {
          type: 'object',
          properties: Object.fromEntries(Object.entries(structure.members).map(([m, shape]) => [m, toSchema(shape)])),
          required: structure.required,
        },
      ]),
    ),
  };
}

function ref(name: string): string {
  return `#/definitions/${name}`;
}

function toSchema(shape: Shape): InputSchema {
  if (typeof shape === 'string') return simple(shape);
  if ('list' in shape) return { type: 'array', items: toSchema(shape.list) };
  if ('map' in shape) return { type: 'object', additionalProperties: toSchema(shape.map) };
  if ('structure' in shape) return { $ref: ref(shape.structure) };
  return shape.enum ? { ...simple(shape.type), enum: shape.enum } : simple(shape.type);
}

function simple(type: Exclude<Shape, object>): InputSchema {
  if (type === 'document') return {};
  return { type: type === 'blob' ? 'string' : type === 'timestamp' ? 'number' : type };
}
