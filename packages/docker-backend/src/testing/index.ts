// Test support shared with other packages' suites as `@localcloud/docker-backend/testing`; never built.
export { describeWithEngine, engineAnswers } from './require-engine';
export { inCi } from './in-ci';
export { TestRun, TEST_IMAGE, TEST_RUN_LABEL } from './test-run';
