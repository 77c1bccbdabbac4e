import { lazyServiceModel, onFirstUse } from '@localcloud/aws-model';

/** The API model generated from @aws-sdk/client-ecs (`npm run generate`). */
// Read on the first request that needs it (lazyServiceModel), not at start.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const ECS_MODEL = lazyServiceModel(() => require('./generated/ecs-model.json'));

/** The member names of a structure in the ECS model, read on first use. */
export function modelMembers(structure: string): () => ReadonlySet<string> {
  return onFirstUse(() => new Set(Object.keys(ECS_MODEL.structures[structure]?.members ?? {})));
}
