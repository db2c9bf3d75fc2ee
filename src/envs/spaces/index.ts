export { Space, shapeSize, dtypeOf, TYPED_ARRAY, type Dtype, type TypedArray, type SpaceJSON } from './space.ts';
export { Discrete, type DiscreteSampleOptions } from './discrete.ts';
export { Box } from './box.ts';
export { MultiDiscrete, type MultiDiscreteSampleOptions } from './multi-discrete.ts';
export { MultiBinary, type MultiBinarySampleOptions } from './multi-binary.ts';
export { Dict, type DictElement } from './dict.ts';
export { Tuple } from './tuple.ts';
export { flatdim, flatten, flattenInto, unflatten, flattenSpace, spaceFromJSON } from './utils.ts';
