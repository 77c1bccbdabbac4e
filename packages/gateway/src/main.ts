#!/usr/bin/env node
import { runGateway } from './cli';

/**
 * The gateway from the compiled packages, every provider loaded by `require`. `npm start` and the
 * image run the bundle instead (dist/localcloud.js, scripts/bundle.js), which starts faster.
 */
runGateway();
