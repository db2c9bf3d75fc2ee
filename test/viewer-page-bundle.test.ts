// What the page can bundle: the env core and every built-in env (for the policy in the page), and the
// page itself without the schema library.
import { build } from 'esbuild';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

async function bundleForBrowser(entry: string): Promise<{ errors: string[]; text: string }> {
  try {
    const r = await build({
      entryPoints: [join(root, entry)], bundle: true, write: false, format: 'esm', platform: 'browser', target: 'es2022', logLevel: 'silent',
    });
    return { errors: [], text: r.outputFiles.map((f) => f.text).join('\n') };
  } catch (e) {
    return { errors: ((e as { errors?: { text: string }[] }).errors ?? []).map((x) => x.text), text: '' };
  }
}

describe('browser bundles', () => {
  it('every built-in env (src/envs/registrations.ts) bundles for the browser with no node: import', async () => {
    const r = await bundleForBrowser('src/envs/registrations.ts');
    expect(r.errors).toEqual([]);
    expect(r.text).toContain('KeyDoorTreasure-v0');
  });

  it('the policy module (TensorFlow.js + every built-in env) bundles for the browser', async () => {
    const r = await bundleForBrowser('src/viewer/page/policy.ts');
    expect(r.errors).toEqual([]);
  });

  it('the page bundles without zod (it imports only types from protocol.ts)', async () => {
    const r = await bundleForBrowser('src/viewer/page/main.ts');
    expect(r.errors).toEqual([]);
    expect(r.text).not.toMatch(/ZodError|zod/);
  });
});
