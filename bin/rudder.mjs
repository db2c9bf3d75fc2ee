#!/usr/bin/env node
// The `rudder` command. The sources are TypeScript, loaded through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
await import('../scripts/cli.ts');
