import type { TaskDefinition, TaskOverride } from '@aws-sdk/client-ecs';

/**
 * What a task can ask for that localcloud has nothing to serve from: environment files (S3, until an S3
 * provider exists), and secrets or registry credentials when the runtime has no resolver. Such a task fails to start with ECS's
 * ResourceInitializationError naming the reason, rather than starting without the values it expects.
 */
export function unsupportedTaskFeature(
  definition: TaskDefinition,
  overrides: TaskOverride | undefined,
  secretsResolved = false,
): string | undefined {
  for (const container of definition.containerDefinitions ?? []) {
    const secret = container.secrets?.[0];
    if (secret && !secretsResolved) {
      return (
        `ResourceInitializationError: unable to pull secrets or registry auth: container ${container.name} ` +
        `asks for secret ${secret.name} from ${secret.valueFrom}, and this runtime resolves no secrets`
      );
    }
    const credentials = container.repositoryCredentials?.credentialsParameter;
    if (credentials !== undefined && !secretsResolved) {
      return (
        `ResourceInitializationError: unable to pull secrets or registry auth: container ${container.name} ` +
        `pulls its image with the credentials in ${credentials}, and this runtime resolves no secrets`
      );
    }
    const override = overrides?.containerOverrides?.find((o) => o.name === container.name);
    const file = override?.environmentFiles?.[0] ?? container.environmentFiles?.[0];
    if (file) {
      return (
        `ResourceInitializationError: failed to download env files: container ${container.name} asks for ` +
        `${file.value}, and localcloud has no S3 yet`
      );
    }
  }
  return undefined;
}
