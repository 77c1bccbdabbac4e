import { SSMClient, DeleteAssociationCommand, AddTagsToResourceCommand } from '@aws-sdk/client-ssm';
import { failure, startTestGateway, testCredentials, type TestGateway } from '@localcloud/gateway/testing';
import { createProvider } from '../src';

describe('SSM through the AWS SDK', () => {
  let gateway: TestGateway;
  let client: SSMClient;

  beforeAll(async () => {
    gateway = await startTestGateway({ env: { SERVICES: 'ssm' }, providers: { ssm: createProvider } });
    client = new SSMClient({ endpoint: gateway.url, region: 'us-east-1', credentials: testCredentials() });
  });
  afterAll(async () => {
    client.destroy();
    await gateway.close();
  });

  it('answers an operation without a handler with NotImplementedException (501)', async () => {
    const error = await failure(client.send(new DeleteAssociationCommand({})));
    expect(error).toMatchObject({ name: 'NotImplementedException', $metadata: { httpStatusCode: 501 } });
  });

  it('validates input against the model before any handler', async () => {
    const error = await failure(client.send(new AddTagsToResourceCommand({} as never)));
    expect(error).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    expect(error.message).toContain(
      "Value null at 'ResourceType' failed to satisfy constraint: Member must not be null",
    );
  });
});
