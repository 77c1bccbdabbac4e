// Test support shared with other packages' suites as `@localcloud/logs-provider/testing`; never built.
import type { InputModel } from '@localcloud/gateway/testing';
import { inputModelOf } from '@localcloud/aws-model/testing';
import { LOGS_MODEL } from '../model';

/** CloudWatch Logs' input shapes, from the same generated model the provider validates requests with. */
export const LOGS_INPUT_MODEL: InputModel = inputModelOf(LOGS_MODEL);
