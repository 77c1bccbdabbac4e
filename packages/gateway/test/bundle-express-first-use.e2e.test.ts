import path from 'node:path';
import { LOADER, startBuiltGateway, type BuiltGateway } from './built-gateway';

/**
 * Preloaded into the built gateway: once a health answer asked with `?probe` is written, it uses that
 * request's express app (the bundle's own express) on the paths the gateway itself never takes, and writes
 * what they gave on stderr: an extended query string (qs, evaluated on first use), a strong ETag (etag),
 * a file that is not there (send, with http-errors' 404), and a deprecation message (depd, whose caller
 * file the bundle finds without line and column).
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
      req.app.set('etag', 'strong');
      process.stderr.write('etag: ' + req.app.get('etag fn')('body') + '\\n');
      req.app.set('etag', false);
      res.sendFile('/nonexistent/localcloud-probe', (error) => {
        process.stderr.write('sendFile: ' + error.status + ' expose=' + error.expose + ' ' + error.code + '\\n');
      });
      try {
        probeRedirect(res);
      } catch {
        // The answer is written already: express throws once it sets the Location header.
      }
    });
  }
  return emit.apply(this, arguments);
};
function probeRedirect(res) {
  res.redirect();
}
`;

/** `npm start`'s built bundle (`npm run build` first): what express evaluates on first use still works. */
describe("the bundle: express's modules evaluated on first use (scripts/bundle.js)", () => {
  let gateway: BuiltGateway;
  beforeAll(async () => {
    gateway = await startBuiltGateway(LOADER, { preload: PRELOAD });
    // sendFile on an answer already written races send's stat of the file against express's check of a
    // finished response (ECONNABORTED when the check wins, as it did once under CI's load): the probe is
    // asked again, up to five times, until one gives the 404 that the test is after.
    const sendFileLines = () =>
      gateway
        .stderr()
        .split('\n')
        .filter((line) => line.startsWith('sendFile: '));
    for (let probe = 1; probe <= 5 && !gateway.stderr().includes('sendFile: 404'); probe++) {
      const res = await fetch(`${gateway.endpoint}/_localcloud/health?probe&a[b]=1&c=2`);
      expect(res.status).toBe(200);
      await res.text();
      const done = () => gateway.stderr().includes(' deprecated ') && sendFileLines().length >= probe;
      for (let i = 0; i < 100 && !done(); i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }, 60_000);
  afterAll(async () => {
    await gateway?.stop();
  });

  it("parses an extended query string with qs (express's 'query parser' set to 'extended')", () => {
    expect(gateway.stderr()).toContain('query: {"probe":"","a":{"b":"1"},"c":"2"}\n');
    expect(gateway.stderr()).toContain('simple query: {"probe":"","a[b]":"1","c":"2"}\n');
  });

  it('makes an ETag with etag when express is set to', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const etag = require('etag') as (body: string) => string;
    expect(gateway.stderr()).toContain(`etag: ${etag('body')}\n`);
  });

  it("answers a missing file's 404 with send and http-errors (res.sendFile)", () => {
    expect(gateway.stderr()).toContain('sendFile: 404 expose=false ENOENT\n');
  });

  it("names the deprecated call's site outside the bundle (depd's caller file)", () => {
    // depd skips the frames in the file that called depd() (the bundle) and names the first one outside it.
    const preload = /express deprecated Provide a url argument at (\S+):(\d+):(\d+)/.exec(gateway.stderr());
    expect(preload).not.toBeNull();
    expect(path.basename(preload![1])).toBe('preload.js');
    // probeRedirect's call of res.redirect: line 27 of the preload (its first line is empty).
    expect(preload![2]).toBe('27');
  });
});
