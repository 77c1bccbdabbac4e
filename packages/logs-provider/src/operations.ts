import type { OperationHandler } from '@localcloud/gateway';
import type { LogsScope } from './logs-scope';
import {
  createLogGroup,
  deleteLogGroup,
  deleteRetentionPolicy,
  describeLogGroups,
  putLogGroupDeletionProtection,
  putRetentionPolicy,
} from './handlers/log-groups';
import { createLogStream, deleteLogStream, describeLogStreams } from './handlers/log-streams';
import { getLogEvents, putLogEvents } from './handlers/log-events';
import { filterLogEvents } from './handlers/filter-log-events';
import {
  listTagsForResource,
  listTagsLogGroup,
  tagLogGroup,
  tagResource,
  untagLogGroup,
  untagResource,
} from './handlers/tags';

/** CloudWatch Logs operations localcloud implements, by API operation name. The rest answer "not implemented". */
export const LOGS_HANDLERS: Readonly<Record<string, OperationHandler<LogsScope>>> = {
  CreateLogGroup: createLogGroup,
  DeleteLogGroup: deleteLogGroup,
  DescribeLogGroups: describeLogGroups,
  PutRetentionPolicy: putRetentionPolicy,
  DeleteRetentionPolicy: deleteRetentionPolicy,
  PutLogGroupDeletionProtection: putLogGroupDeletionProtection,
  CreateLogStream: createLogStream,
  DeleteLogStream: deleteLogStream,
  DescribeLogStreams: describeLogStreams,
  PutLogEvents: putLogEvents,
  GetLogEvents: getLogEvents,
  FilterLogEvents: filterLogEvents,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
  TagLogGroup: tagLogGroup,
  UntagLogGroup: untagLogGroup,
  ListTagsLogGroup: listTagsLogGroup,
};
