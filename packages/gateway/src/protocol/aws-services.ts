import type { ServedProtocol } from '../plugin/service-provider';

/** A service the edge recognises on the wire; its protocol may be one the gateway does not serve yet. */
export interface KnownService {
  readonly name: string;
  readonly targetPrefix?: string;
  readonly protocol: ServedProtocol | 'ec2' | 'rest-json' | 'rest-xml';
  /**
   * The service's own error for a fault on its side (its model's generic error with `fault: server`), which
   * a request answers when localcloud could not make its change durable. Without one (ELBv2, Cloud Map
   * model none), `InternalFailure`, the error every AWS service may answer.
   */
  readonly serverFault?: string;
}

/**
 * AWS services the edge can recognise on the wire, whether or not a provider serves them, so a request
 * for a known but disabled service gets an error that says how to enable it. Names are SigV4 signing
 * names; target prefixes are those of the services' AWS JSON protocols; protocols are the services' own
 * (from their Smithy models).
 */
export const KNOWN_AWS_SERVICES: readonly KnownService[] = [
  {
    name: 'ecs',
    targetPrefix: 'AmazonEC2ContainerServiceV20141113',
    protocol: 'json1.1',
    serverFault: 'ServerException',
  },
  // Its model's InternalServerException is declared by a few newer operations only; this one by ~100.
  { name: 'logs', targetPrefix: 'Logs_20140328', protocol: 'json1.1', serverFault: 'ServiceUnavailableException' },
  {
    name: 'ecr',
    targetPrefix: 'AmazonEC2ContainerRegistry_V20150921',
    protocol: 'json1.1',
    serverFault: 'ServerException',
  },
  { name: 'dynamodb', targetPrefix: 'DynamoDB_20120810', protocol: 'json1.0' },
  { name: 'kinesis', targetPrefix: 'Kinesis_20131202', protocol: 'json1.1' },
  { name: 'events', targetPrefix: 'AWSEvents', protocol: 'json1.1' },
  { name: 'secretsmanager', targetPrefix: 'secretsmanager', protocol: 'json1.1', serverFault: 'InternalServiceError' },
  { name: 'ssm', targetPrefix: 'AmazonSSM', protocol: 'json1.1', serverFault: 'InternalServerError' },
  { name: 'sqs', targetPrefix: 'AmazonSQS', protocol: 'json1.0' },
  { name: 'servicediscovery', targetPrefix: 'Route53AutoNaming_v20170314', protocol: 'json1.1' },
  { name: 'states', targetPrefix: 'AWSStepFunctions', protocol: 'json1.0' },
  { name: 'monitoring', targetPrefix: 'GraniteServiceVersion20100801', protocol: 'json1.0' },
  { name: 'elasticloadbalancing', protocol: 'query' },
  { name: 'iam', protocol: 'query' },
  { name: 'sts', protocol: 'query' },
  { name: 'sns', protocol: 'query' },
  { name: 's3', protocol: 'rest-xml' },
  { name: 'lambda', protocol: 'rest-json' },
  { name: 'ec2', protocol: 'ec2' },
];
