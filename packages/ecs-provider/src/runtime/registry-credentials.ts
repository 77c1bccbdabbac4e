import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import type { RequestContext, ServiceProvider } from '@localcloud/gateway';

/** A private registry's login, from a container's `repositoryCredentials` (never logged, never stored). */
export interface RegistryLogin {
  readonly username: string;
  readonly password: string;
}

type Lookup = (name: string) => Promise<Pick<ServiceProvider, 'handle'> | undefined>;

/**
 * Reads `repositoryCredentials.credentialsParameter` (a Secrets Manager secret, its ARN or, in the task's own
 * region, its name) through the Secrets Manager provider's own API, as the ECS agent does with the execution
 * role before it pulls. Throws a message in the agent's words (the caller makes it the task's stopped reason);
 * it names the secret, never its value.
 */
export async function registryLogin(
  lookup: Lookup,
  task: { readonly accountId: string; readonly region: string },
  container: ContainerDefinition,
): Promise<RegistryLogin> {
  const secretId = container.repositoryCredentials?.credentialsParameter ?? '';
  const fail = (detail: string) =>
    new Error(`execution resource retrieval failed: unable to retrieve secret from asm: ${detail}`);
  const asm = await lookup('secretsmanager');
  if (!asm) {
    throw fail(
      `container ${container.name} pulls its image with the credentials in ${secretId}, and Secrets Manager is ` +
        'not enabled in localcloud (add "secretsmanager" to SERVICES)',
    );
  }
  const parts = secretId.split(':');
  const isArn = parts[0] === 'arn' && parts.length >= 7;
  const context: RequestContext = {
    requestId: 'ecs-registry-auth',
    service: 'secretsmanager',
    operation: 'GetSecretValue',
    region: isArn ? parts[3]! : task.region,
    accountId: isArn ? parts[4]! : task.accountId,
  };
  let secretString: string | undefined;
  try {
    const output = (await asm.handle('GetSecretValue', { SecretId: secretId }, context)) as { SecretString?: string };
    secretString = output.SecretString;
  } catch (error) {
    throw fail(
      `service call has been retried 1 time(s): asm fetching secret from the service for ${secretId}: ` +
        `${errorCode(error)}: ${safeMessage(error)}`,
    );
  }
  // The agent's checks and words (agent/asm: extractASMValue).
  if (!secretString) throw fail('asm fetching authorization data: empty secrets value');
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    parsed = undefined; // the parser's message quotes the text: never pass it on
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw fail('asm fetching authorization data: unable to unmarshal secret value, invalid schema');
  }
  const { username, password } = parsed as { username?: unknown; password?: unknown };
  if (typeof username !== 'string' || username === '') {
    throw fail('asm fetching username: AuthorizationData is malformed, empty field');
  }
  if (typeof password !== 'string' || password === '') {
    throw fail('asm fetching password: AuthorizationData is malformed, empty field');
  }
  return { username, password };
}

/**
 * The registry host of an image reference, as Docker names it for `X-Registry-Auth`'s `serveraddress`:
 * the first path component when it looks like a host (a dot, a port, or `localhost`), else Docker Hub.
 */
export function registryHostOf(image: string): string {
  const slash = image.indexOf('/');
  const first = slash < 0 ? '' : image.slice(0, slash);
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost')) return first;
  return 'https://index.docker.io/v1/';
}

function errorCode(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown };
  return typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'Error';
}

/** A provider's AWS error names the secret, not its value: passed on; anything else is summed up. */
function safeMessage(error: unknown): string {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string'
    ? error.message
    : 'internal error';
}
