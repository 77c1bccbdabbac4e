#!/usr/bin/env node
import { runGateway } from './cli';

/**
 * The gateway from the compiled packages, every provider loaded by `require`. `npm start` and the
 * image run the bundle instead (dist/localcloud.js loads dist/localcloud.bundle.js with its code cache,
 * scripts/bundle.js), which starts faster.
 */
runGateway();
