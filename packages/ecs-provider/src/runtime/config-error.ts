/** A setting of the ECS provider has a value it cannot use; raised at start-up. */
export class EcsConfigError extends Error {}
