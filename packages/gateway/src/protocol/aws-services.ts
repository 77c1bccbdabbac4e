import type { ServiceDescriptor } from '../plugin/service-provider';

/**
 * AWS services the edge can recognise on the wire, whether or not a provider serves them, so a request
 * for a known but disabled service gets an error that says how to enable it. Names are SigV4 signing
 * names; target prefixes are those of the services' AWS JSON protocols.
 */
export const KNOWN_AWS_SERVICES: readonly ServiceDescriptor[] = [
  { name: 'ecs', targetPrefix: 'AmazonEC2ContainerServiceV20141113', protocol: 'json1.1' },
  { name: 'logs', targetPrefix: 'Logs_20140328', protocol: 'json1.1' },
  { name: 'ecr', targetPrefix: 'AmazonEC2ContainerRegistry_V20150921', protocol: 'json1.1' },
  { name: 'dynamodb', targetPrefix: 'DynamoDB_20120810', protocol: 'json1.0' },
  { name: 'kinesis', targetPrefix: 'Kinesis_20131202', protocol: 'json1.1' },
  { name: 'events', targetPrefix: 'AWSEvents', protocol: 'json1.1' },
  { name: 'secretsmanager', targetPrefix: 'secretsmanager', protocol: 'json1.1' },
  { name: 'ssm', targetPrefix: 'AmazonSSM', protocol: 'json1.1' },
  { name: 'sqs', targetPrefix: 'AmazonSQS', protocol: 'json1.0' },
  { name: 'servicediscovery', targetPrefix: 'Route53AutoNaming_v20170314', protocol: 'json1.1' },
  { name: 'states', targetPrefix: 'AWSStepFunctions', protocol: 'json1.0' },
  { name: 'monitoring', targetPrefix: 'GraniteServiceVersion20100801', protocol: 'json1.0' },
  { name: 'elasticloadbalancing', protocol: 'json1.1' },
  { name: 'iam', protocol: 'json1.1' },
  { name: 'sts', protocol: 'json1.1' },
  { name: 's3', protocol: 'json1.1' },
  { name: 'lambda', protocol: 'json1.1' },
  { name: 'sns', protocol: 'json1.1' },
  { name: 'ec2', protocol: 'json1.1' },
];
