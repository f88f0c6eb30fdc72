// The same endpoint tests against the ASan+UBSan build (make asan).
import { defineEndpointTests } from './lib/endpoint-cases.mjs';
import { LEAKER_ASAN_BIN } from './lib/leaker.mjs';

defineEndpointTests(LEAKER_ASAN_BIN, 'asan+ubsan');
