#!/usr/bin/env node
// The `rudder` command. In a clone it runs the TypeScript sources through tsx (no build step); in the
// installed package, which ships no sources, the compiled CLI in dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const sources = new URL('../scripts/cli.ts', import.meta.url);
if (existsSync(fileURLToPath(sources))) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(sources.href);
} else {
  await import('../dist/scripts/cli.js');
}
