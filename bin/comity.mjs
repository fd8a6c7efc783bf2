#!/usr/bin/env node
// The `comity` command. Runs the TypeScript sources directly through tsx's loader, so a fresh clone needs no
// build step: `npm install && npx comity --help`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
