#!/usr/bin/env node
// The `comity` command. Runs the TypeScript sources directly through tsx's loader, so a fresh clone needs no
// build step: `npm install && npx comity --help`.
import { setFlagsFromString } from 'node:v8';
import { register } from 'tsx/esm/api';

// Node 20's V8 crashes when it deoptimises a function with an inlined JS-to-Wasm call (the Cedar engine);
// see docs/decisions/0002. Set before any code runs hot.
setFlagsFromString('--no-turbo-inline-js-wasm-calls');

register();
await import('../src/cli/main.ts');
