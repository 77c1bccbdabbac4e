import { LOADER, startBuiltGateway, type BuiltGateway } from './built-gateway';

/**
 * Preloaded into the built gateway: once a health answer asked with `?probe` is written, it uses that
 * request's express app (the bundle's own express) on the paths the gateway itself never takes, and writes
 * what they gave on stderr: an extended query string (qs, evaluated on first use).
 */
const PRELOAD = `
const http = require('node:http');
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, req, res) {
  if (event === 'request' && req.url.startsWith('/_localcloud/health?probe')) {
    res.once('finish', () => {
      req.app.set('query parser', 'extended');
      process.stderr.write('query: ' + JSON.stringify(req.query) + '\\n');
      req.app.set('query parser', 'simple');
      process.stderr.write('simple query: ' + JSON.stringify(req.query) + '\\n');
    });
  }
  return emit.apply(this, arguments);
};
`;

/** `npm start`'s built bundle (`npm run build` first): what express evaluates on first use still works. */
describe("the bundle: express's modules evaluated on first use (scripts/bundle.js)", () => {
  let gateway: BuiltGateway;
  beforeAll(async () => {
    gateway = await startBuiltGateway(LOADER, { preload: PRELOAD });
    const res = await fetch(`${gateway.endpoint}/_localcloud/health?probe&a[b]=1&c=2`);
    expect(res.status).toBe(200);
    await res.text();
    for (let i = 0; i < 100 && !gateway.stderr().includes('simple query: '); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }, 30_000);
  afterAll(async () => {
    await gateway?.stop();
  });

  it("parses an extended query string with qs (express's 'query parser' set to 'extended')", () => {
    expect(gateway.stderr()).toContain('query: {"probe":"","a":{"b":"1"},"c":"2"}\n');
    expect(gateway.stderr()).toContain('simple query: {"probe":"","a[b]":"1","c":"2"}\n');
  });
});
