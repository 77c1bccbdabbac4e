// `npm run bench`: builds, then runs every benchmark script (scripts/bench-*.js) in turn, or the ones
// named on the command line (`npm run bench -- startup tasks`). Numbers go to stdout; nothing asserts.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

async function main() {
  execFileSync('npx', ['tsc', '-b'], { stdio: 'inherit', cwd: path.join(__dirname, '..') });
  const wanted = process.argv.slice(2);
  const scripts = fs
    .readdirSync(__dirname)
    .filter((f) => /^bench-.+\.js$/.test(f))
    .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/^bench-|\.js$/g, '')));
  for (const script of scripts) {
    console.log(`\n## ${script}`);
    await require(path.join(__dirname, script)).run();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
