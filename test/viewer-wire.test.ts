import { describe, expect, it } from 'vitest';
import { pack, unpack } from 'msgpackr';
import { listEnvs, make } from '../src/envs/core/registry.ts';
import { hasScene, sceneOf, type Scene } from '../src/envs/core/scene.ts';
import '../src/envs/registrations.ts';
import { applySceneDelta, sceneDelta } from '../src/viewer/protocol.ts';
import { decodeRuns, encodeRuns, fromWire, MAX_LAYER_CELLS, sceneAsReceived, toWire } from '../src/viewer/wire.ts';

describe('the wire form of server messages', () => {
  it('runs round-trip any tiles, and bad runs are refused naming the problem', () => {
    const tiles = [3, 3, 3, 0, 1, 1, 250, 250, 3];
    expect(encodeRuns(tiles)).toEqual([3, 3, 0, 1, 1, 2, 250, 2, 3, 1]);
    expect(decodeRuns(encodeRuns(tiles), tiles.length)).toEqual(tiles);
    expect(encodeRuns([])).toEqual([]);
    expect(() => decodeRuns([1, 2], 3, 'layer 0')).toThrow(/layer 0: runs cover 2 of 3 cells/);
    expect(() => decodeRuns([1, 4], 3)).toThrow(/bad run 0/);
    expect(() => decodeRuns([1, 0, 2, 3], 3)).toThrow(/bad run 0/);
    expect(() => decodeRuns([1, 1.5], 3)).toThrow(/bad run 0/);
    expect(() => decodeRuns([1], 1)).toThrow(/pairs/);
    expect(() => decodeRuns([1, MAX_LAYER_CELLS + 1], MAX_LAYER_CELLS + 1)).toThrow(/outside/);
  });

  it('every env’s start scene and step deltas come back as sent (palette glyphs aside), in fewer bytes', () => {
    for (const id of listEnvs()) {
      const env = make(id);
      if (!hasScene(env)) continue;
      env.reset({ seed: 5 });
      const s0 = JSON.parse(JSON.stringify(sceneOf(env))) as Scene;
      const start = { type: 'episode_start', episode: 1, scene: s0 };
      const back = fromWire(unpack(pack(toWire(start)))) as typeof start;
      expect(back.scene, id).toEqual(sceneAsReceived(s0));
      expect(pack(toWire(start)).length, id).toBeLessThan(pack(start).length);
      let prev = s0, rebuilt = s0;
      for (let t = 0; t < 60; t++) {
        const r = env.step(env.actionSpace.sample());
        // The env's own objects, as the server gets them (deltas cache JSON by object identity), and a copy to compare.
        const next = sceneOf(env), copy = JSON.parse(JSON.stringify(next)) as Scene;
        const step = { type: 'step', episode: 1, t: t + 1, delta: sceneDelta(prev, next) };
        expect(fromWire(unpack(pack(toWire(step)))), id).toEqual(JSON.parse(JSON.stringify(step)));
        rebuilt = JSON.parse(JSON.stringify(applySceneDelta(rebuilt, step.delta))) as Scene;
        expect(rebuilt, `${id} step ${t + 1}`).toEqual({ ...copy, events: copy.events ?? [] }); // the deltas rebuild the env's scenes
        prev = next;
        if (r.terminated || r.truncated) break;
      }
    }
  });

  it('deltas name only the changed fields of the sprites that changed, unless the list’s length or ids changed', () => {
    const base = { version: 1, width: 3, height: 1, palette: [], layers: [], hud: {} } as unknown as Scene;
    const pins = (xs: number[]) => xs.map((x, i) => ({ kind: 'pin', id: `p${i}`, x, y: 0, color: '#ffffff' }));
    const a = { ...base, sprites: pins([0, 1, 2, 3]) }, b = { ...base, sprites: pins([0, 1, 5, 3]) };
    const d = sceneDelta(a, b);
    expect(d.sprites).toBeUndefined();
    expect(d.spritePatches).toEqual([{ index: 2, set: { x: 5 } }]);
    expect(applySceneDelta(a, d).sprites).toEqual(b.sprites);
    // One went, one came back elsewhere: the new list, each sprite patched from the one with its id, a new one whole.
    const moved = { ...base, sprites: [pins([0, 1, 2, 3])[3]!, pins([0, 7])[1]!, { kind: 'ball', id: 'b', x: 1, y: 0 }] };
    const dm = sceneDelta(a, moved);
    expect(dm.spriteList).toEqual([{ from: 3 }, { from: 1, set: { x: 7 } }, { set: moved.sprites[2] }]);
    expect(applySceneDelta(a, dm).sprites).toEqual(moved.sprites);
    // Most moved, and one fell (another kind, a field lost, one gained): still patches, field by field.
    const fell = { ...base, sprites: pins([9, 9, 9, 3]).map((p, i) => (i === 1 ? { kind: 'fallen_pin', id: p.id, x: p.x, y: p.y, angle: 1 } : p)) };
    const df = sceneDelta(a, fell);
    expect(df.spritePatches).toEqual([{ index: 0, set: { x: 9 } }, { index: 1, set: { kind: 'fallen_pin', x: 9, angle: 1 }, unset: ['color'] }, { index: 2, set: { x: 9 } }]);
    expect(applySceneDelta(a, df).sprites).toEqual(fell.sprites);
    const noIds = { ...base, sprites: [{ kind: 'x', x: 0, y: 0 }, { kind: 'y', x: 1, y: 0 }] };
    const noIds2 = { ...base, sprites: [{ kind: 'x', x: 2, y: 0 }] };
    expect(sceneDelta(noIds, noIds2).spriteList).toEqual([{ from: 0, set: { x: 2 } }]); // without ids: by index
    expect(applySceneDelta(a, { spriteList: [{ from: 99, set: { kind: 'k', x: 1, y: 1 } }, 3 as unknown as object] }).sprites).toEqual([{ kind: 'k', x: 1, y: 1 }]);
    // A bad index or patch from the wire is ignored, never a hole in the list.
    expect(applySceneDelta(a, { spritePatches: [{ index: 7, set: { x: 1 } }, { index: -1, set: { x: 1 } }] }).sprites).toEqual(a.sprites);
    expect(applySceneDelta(a, { spritePatches: [{ index: 0, set: 5 as unknown as object, unset: 'x' as unknown as [] }] }).sprites).toEqual(a.sprites);
  });

  it('a plain sender’s layers (tiles, no runs) pass through', () => {
    const m = { type: 'episode_start', scene: { layers: [{ name: 'a', width: 2, height: 1, tiles: [1, 2] }] } };
    expect(fromWire(m)).toEqual(m);
  });
});
