// Endpoints, status codes, configuration errors and shutdown: release build.
import { defineEndpointTests } from './lib/endpoint-cases.mjs';
import { LEAKER_BIN } from './lib/leaker.mjs';

defineEndpointTests(process.env.LEAKER_BIN ?? LEAKER_BIN, 'release');
