import { createHmac } from 'node:crypto';
import type { Parameter, ParameterHistory, ParameterMetadata } from '@aws-sdk/client-ssm';
import { parameterArn, type Scope } from './names';
import type { ParameterRecord, ParameterVersionRecord } from './store';

/** The KMS key SSM uses for a SecureString when none is given. */
export const DEFAULT_KEY_ID = 'alias/aws/ssm';

/**
 * What a SecureString reads as without `WithDecryption`: SSM hands back the KMS ciphertext. There is no KMS
 * here, so it is an opaque, stable stand-in (base64, like a ciphertext blob) from which the value cannot be
 * recovered.
 */
export function ciphertext(name: string, version: ParameterVersionRecord): string {
  const mac = createHmac('sha256', 'localcloud-ssm').update(`${name}\0${version.version}\0${version.value}`).digest();
  return Buffer.concat([Buffer.from('AQICAH', 'base64'), mac, mac]).toString('base64');
}

function valueOf(record: ParameterRecord, version: ParameterVersionRecord, decrypt: boolean): string {
  return version.type === 'SecureString' && !decrypt ? ciphertext(record.name, version) : version.value;
}

/** A `Parameter` as GetParameter(s) and GetParametersByPath return it. */
export function parameterView(
  scope: Scope,
  record: ParameterRecord,
  version: ParameterVersionRecord,
  decrypt: boolean,
  selector?: string,
): Parameter {
  return {
    Name: record.name,
    Type: version.type,
    Value: valueOf(record, version, decrypt),
    Version: version.version,
    ...(selector !== undefined ? { Selector: `:${selector}` } : {}),
    LastModifiedDate: version.lastModifiedDate,
    ARN: parameterArn(scope, record.name),
    DataType: version.dataType,
  };
}

function policies(version: ParameterVersionRecord) {
  if (!version.policies) return [];
  try {
    const parsed = JSON.parse(version.policies) as { Type?: string }[];
    return parsed.map((p) => ({ PolicyText: JSON.stringify(p), PolicyType: p.Type, PolicyStatus: 'Pending' }));
  } catch {
    return [];
  }
}

/** A `ParameterMetadata` as DescribeParameters returns it (never the value). */
export function metadataView(
  scope: Scope,
  record: ParameterRecord,
  version: ParameterVersionRecord,
): ParameterMetadata {
  return {
    Name: record.name,
    ARN: parameterArn(scope, record.name),
    Type: version.type,
    ...(version.keyId ? { KeyId: version.keyId } : {}),
    LastModifiedDate: version.lastModifiedDate,
    LastModifiedUser: version.lastModifiedUser,
    ...(version.description ? { Description: version.description } : {}),
    ...(version.allowedPattern ? { AllowedPattern: version.allowedPattern } : {}),
    Version: version.version,
    Tier: version.tier,
    Policies: policies(version),
    DataType: version.dataType,
  };
}

/** A `ParameterHistory` entry, as GetParameterHistory returns it. */
export function historyView(
  record: ParameterRecord,
  version: ParameterVersionRecord,
  decrypt: boolean,
): ParameterHistory {
  return {
    Name: record.name,
    Type: version.type,
    ...(version.keyId ? { KeyId: version.keyId } : {}),
    LastModifiedDate: version.lastModifiedDate,
    LastModifiedUser: version.lastModifiedUser,
    ...(version.description ? { Description: version.description } : {}),
    Value: valueOf(record, version, decrypt),
    ...(version.allowedPattern ? { AllowedPattern: version.allowedPattern } : {}),
    Version: version.version,
    Labels: [...version.labels],
    Tier: version.tier,
    Policies: policies(version),
    DataType: version.dataType,
  };
}
