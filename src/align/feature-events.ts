import { NO_EVENT, checkFeatureEpisodes, type EncoderJson, type FeatureEpisode, type ObsSlice, type TransitionEvents } from './transition-events.ts';

/**
 * Events from a declared feature slice (ItemChain: the 11 inventory counts): a transition whose slice
 * changes is the event "this sign pattern of the change" (+log; −log +planks; −planks for placing the
 * table …), so each collect, craft, place and smelt is its own event whatever the quantities, and every
 * pickup is one event (measurements-2026-12.md §2: 14 patterns on ItemChain).
 *
 * The patterns are numbered in the order they first occur in the fitting episodes (demos first, then
 * others), so the ids are deterministic; a pattern never seen while fitting is the last id, `other`.
 */
export class SignPatternEvents implements TransitionEvents {
  readonly name: string;
  readonly numEvents: number;
  readonly hasStartEvent = false;
  private readonly ids = new Map<string, number>();
  private readonly key: Int8Array;

  private constructor(readonly slice: ObsSlice, readonly patterns: readonly Int8Array[], private readonly names: readonly string[] | undefined, private readonly sliceName: string) {
    patterns.forEach((p, i) => this.ids.set(p.join(','), i));
    this.numEvents = patterns.length + 1;
    this.key = new Int8Array(slice.length);
    this.name = `${sliceName} sign patterns (${patterns.length} + other)`;
  }

  /**
   * The patterns of the fitting episodes (rows: the slice's values, `dim` = slice.length). `slice` is where
   * the encoder reads them in a full observation afterwards; `names` name the slice's values.
   */
  static fit(episodes: readonly FeatureEpisode[], slice: ObsSlice & { name?: string; names?: readonly string[] }): SignPatternEvents {
    const dim = checkFeatureEpisodes(episodes, 'SignPatternEvents.fit');
    if (dim !== slice.length) throw new RangeError(`SignPatternEvents.fit: the episodes have ${dim} features per step, the slice ${slice.length}`);
    const seen = new Map<string, Int8Array>();
    const d = new Int8Array(dim);
    for (const e of episodes) {
      for (let t = 0; t + 1 <= e.actions.length; t++) {
        if (!signs(e.rows, t * dim, e.rows, (t + 1) * dim, dim, d)) continue;
        const k = d.join(',');
        if (!seen.has(k)) seen.set(k, Int8Array.from(d));
      }
    }
    if (seen.size === 0) throw new RangeError('SignPatternEvents.fit: the features never change in the fitting episodes, so there are no events');
    return new SignPatternEvents({ offset: slice.offset, length: slice.length }, [...seen.values()], slice.names, slice.name ?? 'feature');
  }

  /** The same events read at `offset` of an observation (fitted on the slice alone, used on whole observations). */
  reading(offset: number): SignPatternEvents {
    return new SignPatternEvents({ offset, length: this.slice.length }, this.patterns, this.names, this.sliceName);
  }

  toJson(): EncoderJson {
    return { kind: 'sign-patterns', offset: this.slice.offset, length: this.slice.length, patterns: this.patterns.map((p) => [...p]), names: this.names ? [...this.names] : null, sliceName: this.sliceName };
  }

  /** The encoder `toJson` described (checked by encoder-json.ts `encoderFromJson`). */
  static fromJson(j: Extract<EncoderJson, { kind: 'sign-patterns' }>): SignPatternEvents {
    return new SignPatternEvents({ offset: j.offset, length: j.length }, j.patterns.map((p) => Int8Array.from(p)), j.names ?? undefined, j.sliceName);
  }

  start(_obs: Float32Array): number {
    return NO_EVENT;
  }

  event(obs: Float32Array, _action: number, next: Float32Array): number {
    const { offset, length } = this.slice;
    if (!signs(obs, offset, next, offset, length, this.key)) return NO_EVENT;
    return this.ids.get(this.key.join(',')) ?? this.patterns.length;
  }

  eventName(id: number): string {
    if (id === this.patterns.length) return 'other';
    const p = this.patterns[id];
    if (!p) throw new RangeError(`SignPatternEvents: event ${id} is outside 0..${this.numEvents - 1}`);
    const parts: string[] = [];
    p.forEach((s, i) => {
      if (s !== 0) parts.push(`${s > 0 ? '+' : '−'}${this.names?.[i] ?? String(i)}`);
    });
    return parts.join(' ');
  }
}

/** out[i] = sign(b[bo + i] − a[ao + i]); true when any is nonzero. */
function signs(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number, out: Int8Array): boolean {
  let any = false;
  for (let i = 0; i < n; i++) {
    const d = b[bo + i]! - a[ao + i]!;
    out[i] = d > 0 ? 1 : d < 0 ? -1 : 0;
    if (d !== 0) any = true;
  }
  return any;
}
