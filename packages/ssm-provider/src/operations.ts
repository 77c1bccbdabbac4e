import type { OperationHandler } from '@localcloud/gateway';
import type { SSMScope } from './scope';
import {
  deleteParameter,
  deleteParameters,
  getParameter,
  getParameterHistory,
  getParameters,
  labelParameterVersion,
  putParameter,
  unlabelParameterVersion,
} from './handlers/parameters';
import { describeParameters, getParametersByPath } from './handlers/queries';
import { addTagsToResource, listTagsForResource, removeTagsFromResource } from './handlers/tags';

export type { SSMScope } from './scope';

/**
 * The SSM operations localcloud implements (Parameter Store), by API operation name. Every other operation of
 * the API (154 in the model) answers NotImplementedException (501).
 */
export const SSM_HANDLERS: Readonly<Record<string, OperationHandler<SSMScope>>> = {
  PutParameter: putParameter,
  GetParameter: getParameter,
  GetParameters: getParameters,
  GetParametersByPath: getParametersByPath,
  DescribeParameters: describeParameters,
  GetParameterHistory: getParameterHistory,
  DeleteParameter: deleteParameter,
  DeleteParameters: deleteParameters,
  LabelParameterVersion: labelParameterVersion,
  UnlabelParameterVersion: unlabelParameterVersion,
  AddTagsToResource: addTagsToResource,
  RemoveTagsFromResource: removeTagsFromResource,
  ListTagsForResource: listTagsForResource,
};
