import http from 'node:http';
import {
  CreateClusterCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  TagResourceCommand,
  UpdateClusterSettingsCommand,
} from '@aws-sdk/client-ecs';
import { ControlPlane, errorOf } from './ecs-test-client';

/** Sends a raw AWS JSON 1.1 request, for inputs the SDK would not build. */
function rawCall(
  url: string,
  operation: string,
  body: unknown,
): Promise<{ status: number; body: { __type: string; message: string } }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${url}/`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': `AmazonEC2ContainerServiceV20141113.${operation}`,
          authorization:
            'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=0',
        },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text || '{}') }));
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

describe('ECS request validation against the API model', () => {
  let cp: ControlPlane;

  beforeAll(async () => {
    cp = await ControlPlane.start();
  });
  afterAll(() => cp.close());

  it('names a missing required member', async () => {
    const error = await errorOf(cp.client().send(new DescribeTaskDefinitionCommand({} as never)));
    expect(error).toMatchObject({
      name: 'InvalidParameterException',
      message:
        "1 validation error detected: Value null at 'taskDefinition' failed to satisfy constraint: Member must not be null",
      $metadata: { httpStatusCode: 400 },
    });
    const nested = await errorOf(
      cp.client().send(
        new TagResourceCommand({
          resourceArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/x',
          tags: undefined as never,
        }),
      ),
    );
    expect(nested.message).toContain("at 'tags'");
  });

  it('names a nested member of the wrong type, with AWS member paths', async () => {
    const error = await errorOf(
      cp.client().send(
        new RegisterTaskDefinitionCommand({
          family: 'f',
          containerDefinitions: [
            { name: 'a', image: 'x', memory: 64 },
            { name: 'b', image: 'x', memory: 64, portMappings: [{ containerPort: '80' as never }] },
          ],
        }),
      ),
    );
    // ECS answers a value of the wrong JSON type with SerializationException, like every AWS JSON service
    // (e.g. "SerializationException: STRING_VALUE cannot be converted to Integer", aws/aws-cdk-cli#973).
    expect(error).toMatchObject({
      name: 'SerializationException',
      message:
        "Value at 'containerDefinitions.2.member.portMappings.1.member.containerPort' must be a number, not a string.",
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('names a value outside an enum and lists the allowed values', async () => {
    const error = await errorOf(cp.client().send(new ListTaskDefinitionsCommand({ status: 'GONE' as never })));
    expect(error).toMatchObject({
      name: 'InvalidParameterException',
      message:
        "1 validation error detected: Value 'GONE' at 'status' failed to satisfy constraint: " +
        'Member must satisfy enum value set: [ACTIVE, DELETE_IN_PROGRESS, INACTIVE]',
    });
    const nested = await errorOf(
      cp
        .client()
        .send(new UpdateClusterSettingsCommand({ cluster: 'c', settings: [{ name: 'speed' as never, value: 'x' }] })),
    );
    expect(nested.message).toContain("at 'settings.1.member.name'");
    expect(nested.message).toContain('[containerInsights]');
  });

  it('ignores members the model does not have, as AWS does', async () => {
    const result = await rawCall(cp.gw.url, 'CreateCluster', { clusterName: 'extra', somethingNew: { a: 1 } });
    expect(result.status).toBe(200);
  });

  it('rejects wrong types the SDK would not send, e.g. a list given as a string', async () => {
    const result = await rawCall(cp.gw.url, 'RegisterTaskDefinition', { family: 'f', containerDefinitions: 'web' });
    expect(result).toEqual({
      status: 400,
      body: {
        __type: 'SerializationException',
        message: "Value at 'containerDefinitions' must be a list, not a string.",
      },
    });
  });

  it('accepts epoch-second timestamps where the model has them', async () => {
    // ListServiceDeployments takes `createdAt: {before, after}`: a valid input reaches the handler, which
    // finds no `default` cluster in this account (not a validation error).
    const result = await rawCall(cp.gw.url, 'ListServiceDeployments', {
      service: 's',
      createdAt: { after: 1700000000 },
    });
    expect(result.status).toBe(400);
    expect(result.body.__type).toBe('ClusterNotFoundException');
    const wrong = await rawCall(cp.gw.url, 'ListServiceDeployments', {
      service: 's',
      createdAt: { after: 'yesterday' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.message).toContain("at 'createdAt.after'");
  });

  it('validates before the handler runs: nothing is created by an invalid request', async () => {
    const ecs = cp.client('400000000001');
    await errorOf(ecs.send(new CreateClusterCommand({ clusterName: 'x', tags: [{ key: 5 as never, value: 'v' }] })));
    const { clusterArns } = await ecs.send(new (await import('@aws-sdk/client-ecs')).ListClustersCommand({}));
    expect(clusterArns).toEqual([]);
  });
});
