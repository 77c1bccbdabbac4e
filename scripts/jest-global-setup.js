// Builds the local test images once per jest run when a Docker engine answers. Suites that need the
// engine decide for themselves what its absence means (fail in CI, skip elsewhere).
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = async function globalSetup() {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    return;
  }
  execFileSync('bash', [path.join(__dirname, 'build-test-images.sh')], { stdio: 'inherit' });
  // A stand-in for node:20-bookworm-slim (no registry here): the dev-stack image builds on it and a
  // task test runs an unmodified AWS SDK in it. Built only when the tag is missing.
  try {
    execFileSync('bash', [path.join(__dirname, 'build-node-base-image.sh')], { stdio: 'inherit' });
  } catch {
    // Where it cannot be built (no ldd, say) the tests that need it fail with their own message.
    process.stderr.write('warning: could not build the node:20-bookworm-slim stand-in image\n');
  }
};
