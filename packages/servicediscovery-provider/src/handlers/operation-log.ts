import type {
  GetOperationRequest,
  GetOperationResponse,
  ListOperationsRequest,
  ListOperationsResponse,
  OperationFilter,
} from '@aws-sdk/client-servicediscovery';
import type { ServiceDiscoveryScope } from '../servicediscovery-scope';
import type { OperationRecord } from '../store';
import { InvalidInput, OperationNotFound } from '../errors';
import { newOperationId } from '../ids';
import { page } from '../pagination';

/**
 * Records a finished asynchronous operation. AWS runs namespace and instance changes asynchronously and
 * reports them through GetOperation; localcloud applies them at once, so each is SUCCESS when created.
 */
export function recordOperation(
  sd: ServiceDiscoveryScope,
  type: OperationRecord['Type'],
  targets: Record<string, string>,
): string {
  const now = new Date();
  const Id = newOperationId();
  sd.store.operations.put(Id, {
    Id,
    Type: type,
    Status: 'SUCCESS',
    CreateDate: now,
    UpdateDate: now,
    Targets: targets,
  });
  return Id;
}

export function getOperation(input: GetOperationRequest, sd: ServiceDiscoveryScope): GetOperationResponse {
  const op = sd.store.operations.get(input.OperationId!);
  if (!op) throw new OperationNotFound(`No operation found with ID ${input.OperationId}`);
  return { Operation: { ...op, Targets: { ...op.Targets }, OwnerAccount: sd.scope.accountId } };
}

function matches(op: OperationRecord, filter: OperationFilter): boolean {
  const values = filter.Values ?? [];
  const condition = filter.Condition ?? 'EQ';
  if (filter.Name === 'UPDATE_DATE') {
    if (condition !== 'BETWEEN' || values.length !== 2) {
      throw new InvalidInput('The UPDATE_DATE filter takes the BETWEEN condition with two values.');
    }
    const [from, to] = values.map((v) => (/^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : Date.parse(v)));
    const t = op.UpdateDate.getTime();
    return t >= from! && t <= to!;
  }
  if (condition !== 'EQ' && condition !== 'IN') {
    throw new InvalidInput(`The ${filter.Name} filter takes the EQ or IN condition.`);
  }
  if (condition === 'EQ' && values.length !== 1) throw new InvalidInput(`The EQ condition takes one value.`);
  const actual =
    filter.Name === 'NAMESPACE_ID'
      ? op.Targets.NAMESPACE
      : filter.Name === 'SERVICE_ID'
        ? op.Targets.SERVICE
        : filter.Name === 'STATUS'
          ? op.Status
          : op.Type;
  return actual !== undefined && values.includes(actual);
}

export function listOperations(input: ListOperationsRequest, sd: ServiceDiscoveryScope): ListOperationsResponse {
  const all = [...sd.store.operations.values()].filter((op) => (input.Filters ?? []).every((f) => matches(op, f)));
  const { items, NextToken } = page(all, input.NextToken, input.MaxResults);
  return { Operations: items.map((op) => ({ Id: op.Id, Status: op.Status })), ...(NextToken ? { NextToken } : {}) };
}
