#!/usr/bin/env node
// Runs a TypeScript file of the project with tsx's loader: `node bin/run-ts.mjs bench/run.ts`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { register } from 'tsx/esm/api';

// Node 20's V8 crashes when it deoptimises a function with an inlined JS-to-Wasm call (the Cedar engine);
// see docs/decisions/0002. Set before any code runs hot.
setFlagsFromString('--no-turbo-inline-js-wasm-calls');

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error('usage: run-ts FILE.ts [ARGS...]');
  process.exit(2);
}
process.argv = [process.argv[0], file, ...rest];
register();
await import(pathToFileURL(resolve(file)).href);
