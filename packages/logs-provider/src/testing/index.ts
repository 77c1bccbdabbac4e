// Test support shared with other packages' suites as `@localcloud/logs-provider/testing`; never built.
import type { InputModel, InputSchema } from '@localcloud/gateway/testing';
import { LOGS_INPUT_SHAPES } from '../generated/logs-input-shapes';
import type { Shape } from '../validation/shape';

/** CloudWatch Logs' input shapes (the ones the provider validates with) as JSON Schema. */
export const LOGS_INPUT_MODEL: InputModel = {
  operations: Object.fromEntries(
    Object.entries(LOGS_INPUT_SHAPES.operations).map(([operation, name]) => [operation, { $ref: ref(name) }]),
  ),
  definitions: Object.fromEntries(
    Object.entries(LOGS_INPUT_SHAPES.structures).map(([name, structure]) => [
      name,
      {
        type: 'object',
        properties: Object.fromEntries(Object.entries(structure.members).map(([m, shape]) => [m, toSchema(shape)])),
        required: structure.required,
      },
    ]),
  ),
};

function ref(name: string): string {
  return `#/definitions/${name}`;
}

function toSchema(shape: Shape): InputSchema {
  if (typeof shape === 'string') {
    if (shape === 'document') return {};
    return { type: shape === 'blob' ? 'string' : shape === 'timestamp' ? 'number' : shape };
  }
  if ('list' in shape) return { type: 'array', items: toSchema(shape.list) };
  if ('map' in shape) return { type: 'object', additionalProperties: toSchema(shape.map) };
  return { $ref: ref(shape.structure) };
}
