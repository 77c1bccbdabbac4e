// Test support shared with other packages' suites as `@localcloud/ssm-provider/testing`; never built.
import type { InputModel } from '@localcloud/gateway/testing';
import { inputModelOf } from '@localcloud/aws-model/testing';
import { SSM_MODEL } from '../provider';

/** The input shapes the provider validates with, for the gateway's request fuzzer (packages/gateway/test/fuzz.e2e.test.ts). */
export const SSM_INPUT_MODEL: InputModel = inputModelOf(SSM_MODEL);
