// Test support shared with other packages' suites as `@localcloud/servicediscovery-provider/testing`; never built.
import type { InputModel } from '@localcloud/gateway/testing';
import { inputModelOf } from '@localcloud/aws-model/testing';
import { SERVICEDISCOVERY_MODEL } from '../provider';

/** The input shapes the provider validates with, for the gateway's request fuzzer (packages/gateway/test/fuzz.e2e.test.ts). */
export const SERVICEDISCOVERY_INPUT_MODEL: InputModel = inputModelOf(SERVICEDISCOVERY_MODEL);
