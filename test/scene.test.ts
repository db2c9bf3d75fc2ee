import { describe, expect, it } from 'vitest';
import {
  CartPoleEnv, drawScene, EventTable, hasScene, KeyDoorTreasureEnv, make, NO_EVENTS, oneLayerScene, parseColor, RoomsEnv, sceneOf,
  SceneError, sceneProblems, sceneToAnsi, validateScene, WatchRepairEnv, type Scene,
} from '../src/index.ts';

function tiny(): Scene {
  return {
    version: 1,
    width: 3,
    height: 2,
    palette: [
      { code: 0, name: 'floor', color: '#000000', char: '.' },
      { code: 1, name: 'wall', color: '#808080', char: '#' },
    ],
    layers: [{ name: 'cells', width: 3, height: 2, tiles: [1, 1, 1, 0, 0, 0] }],
    sprites: [{ kind: 'agent', x: 0, y: 1, facing: 'right', color: '#ff0000' }],
    hud: { step: 0, carrying: 'key', done: false },
  };
}

describe('validateScene', () => {
  it('accepts a valid scene and returns it; the scene survives a JSON round trip', () => {
    const s = tiny();
    expect(validateScene(s)).toBe(s);
    expect(validateScene(JSON.parse(JSON.stringify(s)))).toEqual(s);
  });

  const broken: [string, (s: Scene) => void, string][] = [
    ['wrong version', (s) => void ((s as { version: number }).version = 2), 'version must be 1, got 2'],
    ['tiles of the wrong length', (s) => void s.layers[0]!.tiles.pop(), 'layers[0].tiles has length 5, expected width × height = 6'],
    ['a code missing from the palette', (s) => void (s.layers[0]!.tiles[4] = 9), 'layers[0].tiles[4]: code 9 is not in the palette'],
    ['a typed array for tiles', (s) => void ((s.layers[0] as { tiles: unknown }).tiles = new Uint8Array(6)), 'layers[0].tiles must be an array of numbers (not a typed array'],
    ['a bad colour', (s) => void (s.palette[1]!.color = 'grey'), 'palette[1].color must be "#rrggbb", got "grey"'],
    ['a duplicate code', (s) => void (s.palette[1]!.code = 0), 'palette[1].code 0 appears twice'],
    ['a layer outside the world', (s) => void (s.layers[0]!.x = 1), 'layers[0] (3×2 at 1,0) does not fit in the 3×2 world'],
    ['a bad facing', (s) => void ((s.sprites[0] as { facing: string }).facing = 'north'), 'sprites[0].facing must be one of up, right, down, left, got "north"'],
    ['a NaN sprite position', (s) => void (s.sprites[0]!.x = NaN), 'sprites[0].x and .y must be finite numbers'],
    ['an unknown sprite key', (s) => void ((s.sprites[0] as unknown as Record<string, unknown>).rotation = 3), 'sprites[0]: unknown key "rotation"'],
    ['a non-finite HUD value', (s) => void (s.hud.ret = Infinity), 'hud.ret must be a finite number, a string or a boolean, got Infinity'],
    ['an object HUD value', (s) => void ((s.hud as Record<string, unknown>).pos = { x: 1 }), 'hud.pos must be a finite number'],
    ['a zero width', (s) => void (s.width = 0), 'width must be an integer ≥ 1, got 0'],
    ['events that are not strings', (s) => void ((s as unknown as Record<string, unknown>).events = [1]), 'events must be an array of strings'],
    ['an unknown top-level key', (s) => void ((s as unknown as Record<string, unknown>).camera = {}), 'unknown key "camera"'],
  ];
  for (const [what, breakIt, message] of broken) {
    it(`rejects ${what} with the path in the message`, () => {
      const s = tiny();
      breakIt(s);
      expect(() => validateScene(s)).toThrow(SceneError);
      expect(() => validateScene(s)).toThrow(message);
    });
  }

  it('reports several problems at once, and non-objects', () => {
    const s = tiny();
    s.palette[0]!.color = 'x';
    s.sprites[0]!.kind = '';
    expect(sceneProblems(s)).toHaveLength(2);
    expect(sceneProblems(null)).toEqual(['scene must be an object, got null']);
    try {
      validateScene(s);
      expect.unreachable();
    } catch (e) {
      expect((e as SceneError).problems).toHaveLength(2);
    }
  });
});

describe('hasScene / sceneOf', () => {
  it('sees scene() on an env and below wrappers, not on an object without one', () => {
    expect(hasScene(new KeyDoorTreasureEnv())).toBe(true);
    const wrapped = make('FourRooms-v0');
    expect(hasScene(wrapped)).toBe(true);
    wrapped.reset({ seed: 0 });
    expect(sceneOf(wrapped).width).toBe(69);
    expect(hasScene(new CartPoleEnv())).toBe(true);
    expect(hasScene({ reset() {} })).toBe(false);
    expect(hasScene(null)).toBe(false);
    expect(() => sceneOf({ reset() {} })).toThrow(/has no scene\(\)/);
  });

  it('every new env produces a valid, JSON-serialisable scene', () => {
    const envs = [new KeyDoorTreasureEnv(), new RoomsEnv(), new RoomsEnv({ chainRooms: 7 }), new WatchRepairEnv(), new CartPoleEnv()];
    for (const env of envs) {
      env.reset({ seed: 3 });
      env.step(0);
      const s = env.scene();
      expect(validateScene(s)).toBe(s);
      expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    }
  });
});

describe('drawing a scene', () => {
  it('drawScene fills tiles in palette colours and draws the sprite', () => {
    const f = drawScene(tiny(), { tilePx: 10 });
    expect([f.width, f.height, f.data.length]).toEqual([30, 20, 30 * 20 * 4]);
    const px = (x: number, y: number): number[] => Array.from(f.data.subarray((y * 30 + x) * 4, (y * 30 + x) * 4 + 4));
    expect(px(25, 5)).toEqual([128, 128, 128, 255]); // wall tile (2, 0)
    expect(px(25, 15)).toEqual([0, 0, 0, 255]); // floor tile (2, 1)
    expect(px(5, 15)).toEqual([255, 0, 0, 255]); // the agent's centre (0, 1)
  });

  it('sceneToAnsi prints palette chars, a facing arrow and the HUD', () => {
    expect(sceneToAnsi(tiny())).toBe('###\n>..\nstep=0 carrying=key done=false');
  });

  it('parseColor reads #rrggbb and rejects anything else', () => {
    expect(parseColor('#10ff00')).toEqual([16, 255, 0]);
    expect(() => parseColor('red')).toThrow(/#rrggbb/);
  });
});

describe('EventTable', () => {
  it('returns shared frozen arrays per combination, in declaration order', () => {
    const t = new EventTable(['picked_up_key', 'opened_door', 'reached_goal']);
    expect(t.get(0)).toBe(NO_EVENTS);
    const both = t.get(t.bit('reached_goal') | t.bit('picked_up_key'));
    expect(both).toEqual(['picked_up_key', 'reached_goal']);
    expect(t.get(5)).toBe(both);
    expect(Object.isFrozen(both)).toBe(true);
    expect(Object.isFrozen(NO_EVENTS)).toBe(true);
  });

  it('rejects bad names, duplicates, too many names and unknown events', () => {
    expect(() => new EventTable(['Opened Door'])).toThrow(/snake_case/);
    expect(() => new EventTable(['a', 'a'])).toThrow(/twice/);
    expect(() => new EventTable(Array.from({ length: 32 }, (_, i) => `e${i}`))).toThrow(/at most 31/);
    expect(() => new EventTable(['a']).bit('b')).toThrow('unknown event "b" (known: a)');
  });
});

describe('oneLayerScene', () => {
  it('is a valid scene the size of its layer, with copies of the palette and the events', () => {
    const palette = Object.freeze([Object.freeze({ code: 0, name: 'floor', color: '#000000', char: '.' })]);
    const events = Object.freeze(['moved']);
    const s = oneLayerScene({
      palette,
      layer: { name: 'cells', width: 2, height: 1, tiles: [0, 0] },
      sprites: [{ kind: 'agent', x: 1, y: 0 }],
      hud: { step: 3 },
      title: 'Strip',
      events,
    });
    expect(validateScene(s)).toBe(s);
    expect([s.width, s.height, s.title, s.text]).toEqual([2, 1, 'Strip', undefined]);
    expect(s.palette).toEqual(palette);
    expect(s.palette[0]).not.toBe(palette[0]); // the env's frozen table is not handed out
    expect(s.events).toEqual(['moved']);
    expect(s.events).not.toBe(events);
    s.palette[0]!.color = '#ffffff'; // a copy may be edited
    expect(palette[0]!.color).toBe('#000000');
  });
});

describe('angles and shapes (CartPole draws with them)', () => {
  it('validates angle, shape, w and h', () => {
    const s = tiny();
    s.sprites = [
      { kind: 'pole', x: 0, y: 0, shape: 'line', w: 2, h: 0.2, angle: -Math.PI / 2, color: '#ff0000' },
      { kind: 'cart', x: 1, y: 1, shape: 'rect', w: 1, h: 0.5 },
    ];
    expect(sceneProblems(s)).toEqual([]);
    s.sprites = [{ kind: 'x', x: 0, y: 0, shape: 'circle' as never, angle: Number.NaN, w: -1 }];
    expect(sceneProblems(s)).toHaveLength(3);
  });

  it('drawScene fills a rect and a turned line', () => {
    const s = tiny();
    s.layers[0]!.tiles = [0, 0, 0, 0, 0, 0];
    s.sprites = [
      { kind: 'cart', x: 0, y: 0, shape: 'rect', w: 1, h: 1, color: '#ff0000' },
      { kind: 'pole', x: 1, y: 1, shape: 'line', w: 1, h: 0.4, angle: 0, color: '#00ff00' }, // from (15,15) to (25,15)
    ];
    const f = drawScene(s, { tilePx: 10 });
    const px = (x: number, y: number): number[] => Array.from(f.data.subarray((y * 30 + x) * 4, (y * 30 + x) * 4 + 3));
    expect(px(5, 5)).toEqual([255, 0, 0]);
    expect(px(21, 15)).toEqual([0, 255, 0]);
    expect(px(15, 5)).toEqual([0, 0, 0]);
  });

  it('CartPole has a valid scene whose pole follows θ', () => {
    const env = new CartPoleEnv();
    env.reset({ seed: 1 });
    env.state[2] = 0.2;
    const s = validateScene(env.scene());
    const pole = s.sprites.find((p) => p.kind === 'pole')!;
    expect(pole.angle).toBeCloseTo(0.2 - Math.PI / 2);
    expect(env.metadata.actionNames).toEqual(['left', 'right']);
    expect(sceneToAnsi(s).split('\n')).toHaveLength(33);
  });
});
