import { Box } from '../spaces/box.ts';
import { make, spec } from './registry.ts';
import type { FeatureSlice } from './spec.ts';

/**
 * The event features `id` declares (`register(id, factory, { eventFeatures })`) for an env made with
 * `kwargs`, checked against its observation space; null when it declares none.
 */
export function eventFeaturesFor(id: string, kwargs: Record<string, unknown> = {}): FeatureSlice | null {
  const s = spec(id);
  if (!s.eventFeatures) return null;
  const env = make(id, kwargs);
  try {
    const slice = s.eventFeatures(env);
    const space = env.observationSpace;
    const size = space instanceof Box && space.shape.length === 1 ? space.size : -1;
    if (!(Number.isInteger(slice.offset) && Number.isInteger(slice.length) && slice.offset >= 0 && slice.length >= 1 && slice.offset + slice.length <= size)) {
      throw new RangeError(`${id}: event features "${slice.name}" [${slice.offset}, ${slice.offset + slice.length}) do not fit its observation ${space.toString()} (a flat Box)`);
    }
    if (slice.names && slice.names.length !== slice.length) throw new RangeError(`${id}: event features "${slice.name}" have ${slice.length} values but ${slice.names.length} names`);
    return slice;
  } finally {
    env.close();
  }
}
