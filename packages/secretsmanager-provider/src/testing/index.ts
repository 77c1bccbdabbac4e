// Test support shared with other packages' suites as `@localcloud/secretsmanager-provider/testing`; never built.
import type { InputModel } from '@localcloud/gateway/testing';
import { inputModelOf } from '@localcloud/aws-model/testing';
import { SECRETSMANAGER_MODEL } from '../provider';

/** The input shapes the provider validates with, for the gateway's request fuzzer (packages/gateway/test/fuzz.e2e.test.ts). */
export const SECRETSMANAGER_INPUT_MODEL: InputModel = inputModelOf(SECRETSMANAGER_MODEL);
