#!/usr/bin/env node
// The image's HEALTHCHECK: GET /_localcloud/health on the port GATEWAY_LISTEN names. Node itself is
// the probe, since slim images have no curl or wget. Exit 0 healthy, 1 not.
'use strict';

const http = require('node:http');

const listen = process.env.GATEWAY_LISTEN ?? '0.0.0.0:4566';
const colon = listen.lastIndexOf(':');
const port = Number(listen.slice(colon + 1));
const bound = listen.slice(0, Math.max(colon, 0)).replace(/^\[|\]$/g, '');
// A wildcard address is probed on loopback; a specific one on itself.
const host = ['', '0.0.0.0', '::'].includes(bound) ? '127.0.0.1' : bound;

const request = http.get({ host, port, path: '/_localcloud/health', timeout: 2500 }, (response) => {
  response.resume();
  process.exit(response.statusCode === 200 ? 0 : 1);
});
request.on('timeout', () => request.destroy(new Error('timed out')));
request.on('error', (error) => {
  process.stderr.write(`health check failed: ${error.message}\n`);
  process.exit(1);
});
