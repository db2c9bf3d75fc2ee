// Module hooks the `rudder` command registers before it imports `--env-module` files (see env-modules.ts).
// Plain JavaScript: hooks run on Node's loader thread, before any TypeScript loader applies to them.
//
// 1. `rudder-ts` and its subpaths resolve to the copy of rudder-ts that runs the command, wherever the env
//    module lives (a folder with no node_modules, another project with its own copy): its `register`
//    call then lands in the registry the command reads, not in a second one.
// 2. A `.ts` file outside node_modules is an ES module even where no package.json says `"type": "module"`,
//    and so is a `.js` file there that has import or export statements (as Node itself detects): tsx would
//    otherwise compile them as CommonJS, whose require() of rudder-ts's ES modules Node refuses ("Cannot
//    require() ES Module … in a cycle").

import { readFileSync } from 'node:fs';

/** A line that starts an import or export statement (not `import(`, which CommonJS may use too). */
const ESM_STATEMENT = /^\s*(?:import\s*[\w{*'"]|export\s)/m;

/** @param {string} path */
function hasEsmSyntax(path) {
  try {
    return ESM_STATEMENT.test(readFileSync(path, 'utf8'));
  } catch {
    return false; // let the next loader report it
  }
}

/** @type {Record<string, string>} specifier → file URL of the running copy's module */
let own = {};

/** @param {{ own: Record<string, string> }} data */
export function initialize(data) {
  own = data.own;
}

/**
 * @param {string} specifier
 * @param {{ conditions: string[]; importAttributes: Record<string, string>; parentURL?: string }} context
 * @param {(specifier: string, context?: object) => Promise<{ url: string; format?: string | null }>} nextResolve
 */
export async function resolve(specifier, context, nextResolve) {
  const target = own[specifier];
  if (target !== undefined) return nextResolve(target, context);
  const resolved = await nextResolve(specifier, context);
  if (resolved.url.startsWith('file:')) {
    const path = new URL(resolved.url).pathname;
    if (!path.includes('/node_modules/') && (/\.tsx?$/.test(path) || (/\.js$/.test(path) && hasEsmSyntax(path)))) return { ...resolved, format: 'module' };
  }
  return resolved;
}
