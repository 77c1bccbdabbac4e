import type { ContainerDefinition, Secret, TaskDefinition } from '@aws-sdk/client-ecs';
import type { RequestContext, ServiceProvider } from '@localcloud/gateway';
import { registryLogin, type RegistryLogin } from './registry-credentials';

/**
 * Resolves a task's `secrets`, `logConfiguration.secretOptions` and `repositoryCredentials` when it starts, as the ECS agent does
 * with the task execution role: from SSM Parameter Store and Secrets Manager, through those providers'
 * own API (`handle` with AWS API shapes), so neither side knows the other's internals.
 *
 * Values live only in memory on their way into the container's environment: a reason, an error or a log
 * line names the secret and where it comes from, never its value.
 */
export interface TaskSecretsOptions {
  /** Another enabled provider by service name (ProviderContext.lookupProvider). */
  readonly lookupProvider: (name: string) => Promise<Pick<ServiceProvider, 'handle'> | undefined>;
}

export interface ResolvedSecrets {
  /** Per container name: environment variables from `secrets`. */
  readonly environment: Record<string, Record<string, string>>;
  /** Per container name: log driver options from `logConfiguration.secretOptions`. */
  readonly logOptions: Record<string, Record<string, string>>;
  /** Per container name: the login its image is pulled with, from `repositoryCredentials`. */
  readonly registryLogins: Record<string, RegistryLogin>;
}

/** Why a task cannot start: its message is ECS's stopped reason and names what is missing, never a value. */
export class SecretsUnavailableError extends Error {
  constructor(
    detail: string,
    readonly containerName?: string,
  ) {
    super(`ResourceInitializationError: unable to pull secrets or registry auth: ${detail}`);
    this.name = 'SecretsUnavailableError';
  }
}

/** Where a `valueFrom` points: an SSM parameter (name, `name:version`, or ARN) or a Secrets Manager secret. */
export type SecretReference =
  | { readonly kind: 'ssm'; readonly name: string; readonly region?: string; readonly accountId?: string }
  | {
      readonly kind: 'secretsmanager';
      readonly secretId: string;
      readonly jsonKey?: string;
      readonly versionStage?: string;
      readonly versionId?: string;
      readonly region: string;
      readonly accountId: string;
    };

/**
 * ECS's forms: `arn:<p>:secretsmanager:<region>:<account>:secret:<name-AbCdEf>[:json-key:version-stage:version-id]`
 * (each of the three optional, empty meaning "not given"), `arn:<p>:ssm:<region>:<account>:parameter/<name>`, or
 * the name of a parameter in the task's own region.
 */
export function parseValueFrom(valueFrom: string): SecretReference {
  const parts = valueFrom.split(':');
  if (parts[0] === 'arn' && parts[2] === 'secretsmanager' && parts.length >= 7) {
    const [, , , region, accountId] = parts;
    const blank = (value: string | undefined) => (value ? value : undefined);
    return {
      kind: 'secretsmanager',
      secretId: parts.slice(0, 7).join(':'),
      jsonKey: blank(parts[7]),
      versionStage: blank(parts[8]),
      versionId: blank(parts[9]),
      region: region!,
      accountId: accountId!,
    };
  }
  if (parts[0] === 'arn' && parts[2] === 'ssm' && parts.length >= 6) {
    return { kind: 'ssm', name: valueFrom, region: parts[3], accountId: parts[4] };
  }
  return { kind: 'ssm', name: valueFrom };
}

interface TaskScope {
  readonly accountId: string;
  readonly region: string;
  readonly taskArn: string;
}

export class TaskSecrets {
  constructor(private readonly options: TaskSecretsOptions) {}

  /** Whether a definition asks for anything this resolves (so tasks without secrets skip it entirely). */
  static wanted(definition: TaskDefinition): boolean {
    return (definition.containerDefinitions ?? []).some(
      (c) =>
        (c.secrets?.length ?? 0) > 0 ||
        (c.logConfiguration?.secretOptions?.length ?? 0) > 0 ||
        c.repositoryCredentials?.credentialsParameter !== undefined,
    );
  }

  async resolve(task: TaskScope, definition: TaskDefinition): Promise<ResolvedSecrets> {
    const environment: Record<string, Record<string, string>> = {};
    const logOptions: Record<string, Record<string, string>> = {};
    const registryLogins: Record<string, RegistryLogin> = {};
    for (const container of definition.containerDefinitions ?? []) {
      const name = container.name!;
      if (container.repositoryCredentials?.credentialsParameter !== undefined) {
        try {
          registryLogins[name] = await registryLogin(this.options.lookupProvider, task, container);
        } catch (error) {
          throw new SecretsUnavailableError((error as Error).message, name);
        }
      }
      if (container.secrets?.length) environment[name] = await this.resolveAll(task, container, container.secrets);
      const secretOptions = container.logConfiguration?.secretOptions;
      if (secretOptions?.length) logOptions[name] = await this.resolveAll(task, container, secretOptions);
    }
    return { environment, logOptions, registryLogins };
  }

  private async resolveAll(
    task: TaskScope,
    container: ContainerDefinition,
    secrets: readonly Secret[],
  ): Promise<Record<string, string>> {
    const values: Record<string, string> = {};
    // SSM parameters the agent asks for in one call: every missing one is named in one reason, as ECS does.
    const invalidParameters: string[] = [];
    for (const secret of secrets) {
      const reference = parseValueFrom(secret.valueFrom ?? '');
      if (reference.kind === 'ssm') {
        const value = await this.fromSsm(task, container, reference);
        if (value === undefined) invalidParameters.push(secret.valueFrom!);
        else values[secret.name!] = value;
      } else {
        values[secret.name!] = await this.fromSecretsManager(container, reference);
      }
    }
    if (invalidParameters.length > 0) {
      throw new SecretsUnavailableError(
        'execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried ' +
          `1 time(s): invalid ssm parameters: ${invalidParameters.join(' ')}`,
        container.name,
      );
    }
    return values;
  }

  /** The parameter's decrypted value, or undefined when SSM has no such parameter (or version). */
  private async fromSsm(
    task: TaskScope,
    container: ContainerDefinition,
    reference: Extract<SecretReference, { kind: 'ssm' }>,
  ): Promise<string | undefined> {
    const ssm = await this.options.lookupProvider('ssm');
    if (!ssm) {
      throw new SecretsUnavailableError(
        `execution resource retrieval failed: unable to retrieve secrets from ssm: container ${container.name} asks ` +
          `for ${reference.name}, and SSM Parameter Store is not enabled in localcloud (add "ssm" to SERVICES)`,
        container.name,
      );
    }
    const context = requestContext(
      'ssm',
      'GetParameter',
      reference.region ?? task.region,
      reference.accountId ?? task.accountId,
    );
    try {
      const output = (await ssm.handle('GetParameter', { Name: reference.name, WithDecryption: true }, context)) as {
        Parameter?: { Value?: string };
      };
      return output.Parameter?.Value ?? '';
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ParameterNotFound' || code === 'ParameterVersionNotFound' || code === 'ValidationException') {
        return undefined;
      }
      throw new SecretsUnavailableError(
        `execution resource retrieval failed: unable to retrieve secrets from ssm: ${code}: ${safeMessage(error)}`,
        container.name,
      );
    }
  }

  private async fromSecretsManager(
    container: ContainerDefinition,
    reference: Extract<SecretReference, { kind: 'secretsmanager' }>,
  ): Promise<string> {
    const fail = (detail: string) =>
      new SecretsUnavailableError(
        `execution resource retrieval failed: unable to retrieve secret from asm: ${detail}`,
        container.name,
      );
    const asm = await this.options.lookupProvider('secretsmanager');
    if (!asm) {
      throw fail(
        `container ${container.name} asks for ${reference.secretId}, and Secrets Manager is not enabled in ` +
          'localcloud (add "secretsmanager" to SERVICES)',
      );
    }
    const input = {
      SecretId: reference.secretId,
      ...(reference.versionId ? { VersionId: reference.versionId } : {}),
      ...(reference.versionStage ? { VersionStage: reference.versionStage } : {}),
    };
    const context = requestContext('secretsmanager', 'GetSecretValue', reference.region, reference.accountId);
    let secretString: string | undefined;
    try {
      const output = (await asm.handle('GetSecretValue', input, context)) as { SecretString?: string };
      secretString = output.SecretString;
    } catch (error) {
      throw fail(
        `service call has been retried 1 time(s): failed to fetch secret ${reference.secretId} from secrets manager: ` +
          `${errorCode(error)}: ${safeMessage(error)}`,
      );
    }
    if (secretString === undefined) {
      throw fail(`secret ${reference.secretId} has no SecretString: a binary secret cannot be an environment variable`);
    }
    if (!reference.jsonKey) return secretString;
    let parsed: unknown;
    try {
      parsed = JSON.parse(secretString);
    } catch {
      // The parser's message quotes the text: never pass it on.
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw fail(`secret ${reference.secretId} is not a JSON object, so it has no json key ${reference.jsonKey}`);
    }
    if (!(reference.jsonKey in parsed)) {
      throw fail(`retrieved secret from Secrets Manager did not contain json key ${reference.jsonKey}`);
    }
    const value = (parsed as Record<string, unknown>)[reference.jsonKey];
    return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

function requestContext(service: string, operation: string, region: string, accountId: string): RequestContext {
  return { requestId: `ecs-task-secrets`, service, operation, region, accountId };
}

function errorCode(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown };
  return typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'Error';
}

/**
 * A provider's AWS error (a `code` and a message naming the secret, not its value) is passed on; anything
 * else could carry anything, so it is summed up.
 */
function safeMessage(error: unknown): string {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string'
    ? error.message
    : 'internal error';
}
