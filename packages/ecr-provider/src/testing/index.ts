// Test support shared with other packages' suites as `@localcloud/ecr-provider/testing`; never built.
import type { InputModel } from '@localcloud/gateway/testing';
import { inputModelOf } from '@localcloud/aws-model/testing';
import { ECR_MODEL } from '../provider';

/** The input shapes the provider validates with, for the gateway's request fuzzer (packages/gateway/test/fuzz.e2e.test.ts). */
export const ECR_INPUT_MODEL: InputModel = inputModelOf(ECR_MODEL);
