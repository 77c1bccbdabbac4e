// Test support for other packages' tests (`@localcloud/persistence/testing`), never part of a build.
export { withFailingSync, withFailingOpen, ioError } from './failing-sync';
