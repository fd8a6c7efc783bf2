#!/usr/bin/env node
// Runs a TypeScript file of the project with tsx's loader: `node bin/run-ts.mjs bench/run.ts`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error('usage: run-ts FILE.ts [ARGS...]');
  process.exit(2);
}
process.argv = [process.argv[0], file, ...rest];
register();
await import(pathToFileURL(resolve(file)).href);
