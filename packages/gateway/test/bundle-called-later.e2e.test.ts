import { spawn } from 'node:child_process';
import path from 'node:path';

// Runs the built bundle (`npm run build` first), as `npm start` does.
const LOADER = path.join(__dirname, '../dist/localcloud.js');

describe('the bundle: a module left out as CALLED_LATER is loaded from node_modules on its first call', () => {
  it("prefixes winston's own debug messages with their namespace (@dabh/diagnostics' modifier)", async () => {
    const child = spawn(process.execPath, [LOADER], {
      env: {
        ...process.env,
        DEBUG: 'winston:*',
        GATEWAY_LISTEN: '127.0.0.1:0',
        LOG_LEVEL: 'error',
        LOCALCLOUD_RUN_AS_ROOT: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const seen = new Promise<void>((resolve, reject) => {
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('winston:create-logger: Define prototype method for "error"')) resolve();
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.once('exit', (code) => reject(new Error(`exited ${code} before the message:\n${output}`)));
    });
    try {
      await seen;
    } finally {
      child.kill();
    }
  }, 30_000);
});
