// Test support shared with other packages' suites as `@localcloud/ecs-provider/testing`; never built.
import type { InputModel, InputSchema } from '@localcloud/gateway/testing';
import * as schemaDocument from '../generated/ecs-input-schemas.json';

const document = schemaDocument as unknown as {
  operations: Record<string, string>;
  definitions: Record<string, InputSchema>;
};

/** ECS's input shapes, the same JSON Schemas the provider validates requests with. */
export const ECS_INPUT_MODEL: InputModel = {
  operations: Object.fromEntries(
    Object.entries(document.operations).map(([operation, shape]) => [operation, { $ref: `#/definitions/${shape}` }]),
  ),
  definitions: document.definitions,
};
