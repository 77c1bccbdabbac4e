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
};
