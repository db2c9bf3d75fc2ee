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

  it('deltas name only the sprites that changed, unless the list changed shape or most of it moved', () => {
    const base = { version: 1, width: 3, height: 1, palette: [], layers: [], hud: {} } as unknown as Scene;
    const pins = (xs: number[]) => xs.map((x, i) => ({ kind: 'pin', id: `p${i}`, x, y: 0 }));
    const a = { ...base, sprites: pins([0, 1, 2, 3]) }, b = { ...base, sprites: pins([0, 1, 5, 3]) };
    const d = sceneDelta(a, b);
    expect(d.sprites).toBeUndefined();
    expect(d.spriteUpdates).toEqual([{ index: 2, sprite: b.sprites[2] }]);
    expect(applySceneDelta(a, d).sprites).toEqual(b.sprites);
    expect(sceneDelta(a, { ...base, sprites: pins([0, 1, 2]) }).sprites).toHaveLength(3); // one fell: the list
    expect(sceneDelta(a, { ...base, sprites: pins([9, 9, 9, 3]) }).sprites).toHaveLength(4); // most moved: the list
    const renamed = { ...base, sprites: [...pins([0, 1, 2]), { kind: 'ball', id: 'b', x: 3, y: 0 }] };
    expect(sceneDelta(a, renamed).sprites).toEqual(renamed.sprites); // another sprite in a slot: the list
    // A bad index from the wire is ignored, never a hole in the list.
    expect(applySceneDelta(a, { spriteUpdates: [{ index: 7, sprite: b.sprites[2]! }, { index: -1, sprite: b.sprites[2]! }] }).sprites).toEqual(a.sprites);
  });

  it('a plain sender’s layers (tiles, no runs) pass through', () => {
    const m = { type: 'episode_start', scene: { layers: [{ name: 'a', width: 2, height: 1, tiles: [1, 2] }] } };
    expect(fromWire(m)).toEqual(m);
  });
});
