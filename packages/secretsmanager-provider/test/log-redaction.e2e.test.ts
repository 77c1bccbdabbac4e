import { Writable } from 'node:stream';
import winston from 'winston';
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { REDACTED } from '@localcloud/aws-model';
import { failure, startSecretsManager, type Harness } from './support';

/** With DEBUG=1 the gateway logs request and response bodies: secret values must never be among them. */
describe('secret values in the gateway log (DEBUG=1)', () => {
  let sm: Harness;
  let logged = '';
  beforeAll(async () => {
    sm = await startSecretsManager({ DEBUG: '1' });
    const { logger } = sm.gateway.gateway;
    // Every level, every line the gateway writes, captured instead of printed.
    logger.clear();
    logger.level = 'silly';
    logger.add(
      new winston.transports.Stream({
        stream: new Writable({
          write(chunk, _encoding, done) {
            logged += String(chunk);
            done();
          },
        }),
      }),
    );
  });
  afterAll(() => sm.close());

  it('logs the bodies of secret operations with their values redacted', async () => {
    const marker = (n: number) => `TOPSECRET${n}${process.pid}`;
    const binary = Buffer.from(marker(2));
    await sm.client.send(new CreateSecretCommand({ Name: 'logged/one', SecretString: marker(1) }));
    await sm.client.send(new CreateSecretCommand({ Name: 'logged/two', SecretBinary: binary }));
    await sm.client.send(new PutSecretValueCommand({ SecretId: 'logged/one', SecretString: marker(3) }));
    await sm.client.send(new UpdateSecretCommand({ SecretId: 'logged/one', SecretString: marker(4) }));
    expect((await sm.client.send(new GetSecretValueCommand({ SecretId: 'logged/one' }))).SecretString).toBe(marker(4));
    await sm.client.send(new GetSecretValueCommand({ SecretId: 'logged/two' }));
    await sm.client.send(new BatchGetSecretValueCommand({ SecretIdList: ['logged/one', 'logged/two'] }));
    // A value too long for the model: the validation error must not quote it either.
    const tooLong = `${marker(5)}${'x'.repeat(65_536)}`;
    const invalid = await failure(
      sm.client.send(new PutSecretValueCommand({ SecretId: 'logged/one', SecretString: tooLong })),
    );
    expect(invalid.name).toBe('ValidationException');
    expect(invalid.message).toBe(
      "1 validation error detected: Value at 'SecretString' failed to satisfy constraint: Member must have length less than or equal to 65536",
    );
    // A body that is not JSON cannot be redacted, so it is left out.
    const raw = await fetch(sm.gateway.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'secretsmanager.CreateSecret',
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=x',
      },
      body: `{"Name":"broken","SecretString":"${marker(6)}"`,
    });
    expect(raw.status).toBe(400);

    // The bodies were logged (the test would pass vacuously otherwise), without any value.
    expect(logged).toContain('logged/one');
    expect(logged).toContain('GetSecretValue');
    expect(logged).toContain(REDACTED);
    expect(logged).toContain('bytes withheld');
    for (const n of [1, 2, 3, 4, 5, 6]) expect(logged).not.toContain(marker(n));
    expect(logged).not.toContain(binary.toString('base64'));
  });
});
