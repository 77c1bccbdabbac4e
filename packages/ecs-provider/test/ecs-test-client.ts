import { ECSClient } from '@aws-sdk/client-ecs';
import { startTestGateway, testCredentials, type TestGateway } from '@localcloud/gateway/testing';

/** The error a call rejects with (the shared `failure`, under the name ECS's suites use). */
export { failure as errorOf, type SdkFailure as SdkError } from '@localcloud/gateway/testing';

/** A control-plane gateway (ECS only, no containers) and SDK clients for it, closed together. */
export class ControlPlane {
  private readonly clients: ECSClient[] = [];

  private constructor(readonly gw: TestGateway) {}

  static async start(env: Record<string, string> = {}): Promise<ControlPlane> {
    return new ControlPlane(await startTestGateway({ env: { SERVICES: 'ecs', ...env } }));
  }

  client(accessKeyId = 'test', region = 'us-east-1'): ECSClient {
    const client = new ECSClient({
      endpoint: this.gw.url,
      region,
      credentials: testCredentials(accessKeyId),
      maxAttempts: 1,
    });
    this.clients.push(client);
    return client;
  }

  async close(): Promise<void> {
    this.clients.forEach((c) => c.destroy());
    await this.gw.close();
  }
}

export const ACCOUNT = '000000000000';
export const REGION = 'us-east-1';
export const arnPrefix = `arn:aws:ecs:${REGION}:${ACCOUNT}`;
