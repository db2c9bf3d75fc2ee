/**
 * Draws any {@link Scene} with PixiJS 8 (WebGL, or Canvas 2D where WebGL is emulated: preferredBackend): the tile layers in palette
 * colours, sprites (conventional kinds drawn distinctly, any other kind as a disc in its colour), labels,
 * HUD and caption as PixiJS Text, which draws strings literally (a label `<b>x</b>` shows those
 * characters; nothing here is HTML). No env has code of its own in the viewer.
 *
 * The world sits at the canvas's top-left corner, `cell` pixels per cell; the HUD and caption below it.
 * Tile layers are redrawn only when the layer object changes (frames share unchanged layers), and are
 * drawn to a texture then (`cacheAsTexture`), so a frame whose layers did not change draws them as one quad
 * instead of re-rasterising their rects: with WebGL emulated on the CPU (SwiftShader, headless) every
 * pixel and triangle costs CPU. It draws into an OffscreenCanvas where it can (surface.ts), so a draw
 * reaches the screen without a page frame.
 */
import 'pixi.js/unsafe-eval'; // shader code without new Function, so the page runs under a CSP with no 'unsafe-eval'
import { Application, Container, Graphics, Text, Ticker, type TextStyleOptions } from 'pixi.js';
import { shapeCorners, spriteDirection, type HudValue, type Scene, type Sprite, type TileLayer } from '../../envs/core/scene.ts';
import { createSurface, preferredSurface, type Surface, type SurfaceMode } from './surface.ts';

export interface RendererOptions {
  /** The largest world area, in CSS pixels (default 640 × 420). */
  maxWidth?: number;
  maxHeight?: number;
  /** PixiJS's backend: by default {@link preferredBackend}. */
  backend?: 'webgl' | 'canvas';
  /** How the drawing reaches the page: by default {@link preferredSurface}. */
  surface?: SurfaceMode;
}

/**
 * WebGL, unless the browser's WebGL is emulated on the CPU (SwiftShader, llvmpipe: headless chromium, a
 * machine without a GPU), where PixiJS's Canvas 2D renderer costs less per frame (Bowling replayed at 30 fps
 * in headless chromium with its default flags: 12–14 ms of chromium CPU per drawn frame against 28–30 over
 * WebGL, same run; BENCHMARKS.md, viewer). `?renderer=webgl` or `?renderer=canvas` in the page's URL chooses.
 */
export function preferredBackend(): 'webgl' | 'canvas' {
  const asked = new URLSearchParams(globalThis.location?.search ?? '').get('renderer');
  if (asked === 'webgl' || asked === 'canvas') return asked;
  try {
    const gl = document.createElement('canvas').getContext('webgl');
    if (!gl) return 'canvas';
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return /swiftshader|llvmpipe|softpipe|software/i.test(name) ? 'canvas' : 'webgl';
  } catch {
    return 'webgl';
  }
}

const BACKGROUND = 0x14161c;
const TEXT_STYLE: TextStyleOptions = { fontFamily: 'monospace', fontSize: 12, fill: 0xe8e8e8, lineHeight: 15 };
const PAD = 4;

export class SceneRenderer {
  /** Pixels per cell for the current scene. */
  cell = 16;
  /** HUD as drawn (`key: value` pairs), caption as drawn, and the labels on screen: the test hook reads them. */
  hudText = '';
  captionText = '';
  readonly labels: string[] = [];

  private readonly tiles = new Container();
  private layerGfx: Graphics[] = [];
  private drawnLayers: (TileLayer | null)[] = [];
  private drawnCell = 0;
  private readonly spriteGfx = new Graphics();
  private readonly labelLayer = new Container();
  private readonly labelPool: Text[] = [];
  private readonly hud: Text;
  private readonly caption: Text;
  private palette = new Map<number, number>();
  /** The canvas size last set, and the world height it was set for. */
  private size: [number, number, number] = [0, 0, 0];
  private paletteSource: Scene['palette'] | null = null;

  private constructor(readonly app: Application, private readonly surface: Surface, private maxW: number, private maxH: number) {
    this.hud = new Text({ text: '', style: { ...TEXT_STYLE, wordWrap: true, wordWrapWidth: maxW - 2 * PAD } });
    this.caption = new Text({ text: '', style: { ...TEXT_STYLE, fill: 0xffd479, wordWrap: true, wordWrapWidth: maxW - 2 * PAD } });
    app.stage.addChild(this.tiles, this.spriteGfx, this.labelLayer, this.hud, this.caption);
    this.tiles.cacheAsTexture(true);
  }

  /** A renderer in a new canvas appended to `host`. */
  static async create(host: HTMLElement, options: RendererOptions = {}): Promise<SceneRenderer> {
    const maxW = options.maxWidth ?? 640, maxH = options.maxHeight ?? 420;
    const surface = createSurface(options.surface ?? preferredSurface(), maxW, 120);
    const app = new Application();
    await app.init({
      canvas: surface.target,
      width: maxW,
      height: 120,
      background: BACKGROUND,
      preference: (options.backend ?? preferredBackend()) === 'canvas' ? ['canvas', 'webgl'] : ['webgl', 'canvas'],
      antialias: false,
      resolution: 1,
      autoStart: false, // drawn on demand: a paused viewer costs nothing
      preserveDrawingBuffer: true, // screenshots and pixel probes read what was drawn last
    });
    // PixiJS's pointer events (which the page does not use: its controls are HTML) keep the system ticker
    // asking for an animation frame at the display's rate, forever: a paused page drew 60 empty frames a
    // second, and a playing one twice as many as it shows. Draws are made on demand (`draw`).
    Ticker.system.autoStart = false;
    Ticker.system.stop();
    host.appendChild(surface.element);
    surface.resized(maxW, 120);
    return new SceneRenderer(app, surface, maxW, maxH);
  }

  /** Changes the largest world area (panes side by side share the width); the next draw uses it. */
  setBox(maxWidth: number, maxHeight: number): void {
    this.maxW = maxWidth;
    this.maxH = maxHeight;
  }

  /** The canvas on the page. */
  get element(): HTMLCanvasElement {
    return this.surface.element;
  }

  /** How the drawing reaches the page (surface.ts). */
  get surfaceMode(): SurfaceMode {
    return this.surface.mode;
  }

  /** Drawn offscreen: a draw reaches the screen without an animation frame (see surface.ts). */
  get offscreen(): boolean {
    return this.surface.mode !== 'dom';
  }

  /** 'webgl', 'webgpu' or 'canvas'. */
  get backend(): string {
    return this.app.renderer.name;
  }

  draw(scene: Scene): void {
    const cell = Math.max(2, Math.min(48, Math.floor(this.maxW / scene.width), Math.floor(this.maxH / scene.height)));
    this.cell = cell;
    if (scene.palette !== this.paletteSource) {
      // Each episode brings its own objects: an equal palette (the usual case) keeps the layers drawn.
      if (!this.paletteSource || !samePalette(this.paletteSource, scene.palette)) {
        this.palette = new Map(scene.palette.map((e) => [e.code, hex(e.color)]));
        this.drawnLayers = []; // colours may differ: redraw every layer
      }
      this.paletteSource = scene.palette;
    }
    this.drawLayers(scene.layers, cell);
    this.drawSprites(scene.sprites, cell);

    const worldW = scene.width * cell, worldH = scene.height * cell;
    const w = Math.max(worldW, Math.min(320, this.maxW)); // room for the HUD beside a narrow world
    if (this.hud.style.wordWrapWidth !== w - 2 * PAD) {
      this.hud.style.wordWrapWidth = w - 2 * PAD;
      this.caption.style.wordWrapWidth = w - 2 * PAD;
    }
    this.hudText = formatHud(scene.hud);
    this.hud.text = this.hudText;
    this.hud.position.set(PAD, worldH + PAD);
    const caption: string[] = [];
    if (scene.title || scene.text) caption.push([scene.title, scene.text].filter(Boolean).join(' — '));
    if (scene.events?.length) caption.push(`events: ${scene.events.join(', ')}`);
    this.captionText = caption.join('\n');
    this.caption.text = this.captionText;
    this.caption.position.set(PAD, worldH + PAD + (this.hudText ? this.hud.height + 2 : 0));

    let h = Math.ceil(worldH + PAD + (this.hudText ? this.hud.height + 2 : 0) + (this.captionText ? this.caption.height : 0) + PAD);
    // Resizing a WebGL canvas reallocates its buffers (the costliest thing a frame could do), so the
    // panel only grows while the world keeps its size: a HUD that wraps to one line fewer leaves room.
    if (w === this.size[0] && worldH === this.size[2]) h = Math.max(h, this.size[1]);
    if (w !== this.size[0] || h !== this.size[1]) {
      this.app.renderer.resize(w, h);
      this.surface.resized(w, h);
      this.size = [w, h, worldH];
    }
    this.app.render();
    this.surface.present();
  }

  destroy(): void {
    this.app.destroy(true, { children: true });
    this.surface.element.remove(); // PixiJS removes only a canvas it drew into on the page
  }

  private drawLayers(layers: TileLayer[], cell: number): void {
    if (cell !== this.drawnCell) {
      this.drawnLayers = [];
      this.drawnCell = cell;
    }
    while (this.layerGfx.length < layers.length) this.layerGfx.push(this.tiles.addChild(new Graphics()));
    let changed = this.drawnLayers.length !== layers.length;
    for (let i = layers.length; i < this.layerGfx.length; i++) this.layerGfx[i]!.clear();
    layers.forEach((layer, i) => {
      const drawn = this.drawnLayers[i];
      if (drawn === layer) return;
      // A new episode's scene is new objects, but its static layers mostly hold what is drawn already
      // (KeyDoorTreasure: a new episode every ~2 s at 10 fps): compare before re-rasterising, and re-caching.
      if (drawn && sameLayer(drawn, layer)) {
        this.drawnLayers[i] = layer;
        return;
      }
      changed = true;
      const g = this.layerGfx[i]!;
      g.clear();
      const ox = layer.x ?? 0, oy = layer.y ?? 0;
      for (let y = 0; y < layer.height; y++) {
        // Runs of one code in a row become one rect: a 69-wide room row is a handful of rects.
        let x = 0;
        while (x < layer.width) {
          const code = layer.tiles[y * layer.width + x]!;
          let end = x + 1;
          while (end < layer.width && layer.tiles[y * layer.width + end] === code) end++;
          const color = this.palette.get(code);
          if (color !== undefined) g.rect((ox + x) * cell, (oy + y) * cell, (end - x) * cell, cell).fill(color);
          x = end;
        }
      }
      this.drawnLayers[i] = layer;
    });
    this.drawnLayers.length = layers.length;
    if (changed) this.tiles.updateCacheTexture(); // re-rendered into its texture at the next render
  }

  private drawSprites(sprites: Sprite[], cell: number): void {
    const g = this.spriteGfx;
    g.clear();
    this.labels.length = 0;
    let used = 0;
    for (const s of sprites) {
      const color = s.color ? hex(s.color) : 0xffffff;
      const cx = (s.x + 0.5) * cell, cy = (s.y + 0.5) * cell;
      const r = (s.size ?? 1) * cell;
      const dir = spriteDirection(s);
      if (s.shape) {
        this.poly(g, shapeCorners(s, cx, cy, cell).flat(), color);
      } else if (dir) {
        // A triangle pointing where the sprite looks (as drawScene draws it).
        const [dx, dy] = dir;
        const q = r * 0.4;
        this.poly(g, [cx + dx * q, cy + dy * q, cx - dx * q - dy * q * 0.8, cy - dy * q + dx * q * 0.8, cx - dx * q + dy * q * 0.8, cy - dy * q - dx * q * 0.8], color);
      } else {
        drawKind(g, s.kind, cx, cy, r, color);
      }
      if (s.label) {
        const t = this.labelPool[used] ?? this.newLabel();
        used++;
        t.text = s.label; // PixiJS skips equal text, so an unchanged label costs nothing
        const fontSize = Math.max(9, Math.min(14, Math.round(cell * 0.7)));
        if (t.style.fontSize !== fontSize) t.style.fontSize = fontSize;
        // Above the sprite's cell (below it on the top row), so the sprite itself stays visible.
        const top = cy - r / 2;
        t.anchor.set(0.5, top > t.style.fontSize ? 1 : 0);
        t.position.set(cx, top > t.style.fontSize ? top : cy + r / 2);
        t.visible = true;
        this.labels.push(s.label);
      }
    }
    for (let i = used; i < this.labelPool.length; i++) this.labelPool[i]!.visible = false;
  }

  private newLabel(): Text {
    const t = new Text({ text: '', style: { ...TEXT_STYLE, fill: 0xffffff, stroke: { color: 0x000000, width: 2 } } });
    this.labelPool.push(t);
    this.labelLayer.addChild(t);
    return t;
  }

  private poly(g: Graphics, points: number[], color: number): void {
    // A fresh array each time: PixiJS keeps the array until the frame is built, so reuse would alias.
    g.poly(points, true).fill(color);
  }
}

/** The conventional kinds' pictures; every one covers the sprite's centre (pixel probes look there). */
function drawKind(g: Graphics, kind: string, cx: number, cy: number, r: number, color: number): void {
  switch (kind) {
    case 'agent': // no direction given: a diamond
      g.poly([cx, cy - r * 0.4, cx + r * 0.4, cy, cx, cy + r * 0.4, cx - r * 0.4, cy], true).fill(color);
      break;
    case 'key':
      g.circle(cx - r * 0.12, cy, r * 0.2).fill(color);
      g.rect(cx - r * 0.05, cy - r * 0.05, r * 0.45, r * 0.1).fill(color);
      g.rect(cx + r * 0.28, cy, r * 0.08, r * 0.15).fill(color);
      break;
    case 'item':
      g.rect(cx - r * 0.3, cy - r * 0.3, r * 0.6, r * 0.6).fill(color);
      break;
    case 'marker':
      g.circle(cx, cy, r * 0.4).stroke({ width: Math.max(1, r * 0.08), color });
      g.circle(cx, cy, r * 0.15).fill(color);
      break;
    case 'monster':
      g.circle(cx, cy, r * 0.38).fill(color);
      g.rect(cx - r * 0.38, cy, r * 0.76, r * 0.3).fill(color);
      break;
    case 'pin':
      g.circle(cx, cy, r * 0.22).fill(color);
      break;
    case 'ball':
      g.circle(cx, cy, r * 0.35).fill(color);
      break;
    default:
      g.circle(cx, cy, r * 0.3).fill(color);
  }
}

function sameLayer(a: TileLayer, b: TileLayer): boolean {
  if (a.width !== b.width || a.height !== b.height || (a.x ?? 0) !== (b.x ?? 0) || (a.y ?? 0) !== (b.y ?? 0)) return false;
  const ta = a.tiles, tb = b.tiles;
  if (ta.length !== tb.length) return false;
  for (let i = 0; i < ta.length; i++) if (ta[i] !== tb[i]) return false;
  return true;
}

function samePalette(a: Scene['palette'], b: Scene['palette']): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.code !== b[i]!.code || a[i]!.color !== b[i]!.color) return false;
  return true;
}

function formatHud(hud: Record<string, HudValue>): string {
  const parts: string[] = [];
  for (const k in hud) {
    const v = hud[k]!;
    // A no-break space keeps each pair on one line when the HUD wraps.
    parts.push(`${k}:\u00a0${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : String(v)}`);
  }
  return parts.join('   ');
}

function hex(c: string): number {
  return parseInt(c.slice(1), 16);
}
