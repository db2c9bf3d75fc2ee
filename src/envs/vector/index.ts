export * from './vector-env.ts';
export {
  createBatch, batchWriter, batchReader, copyBatch, heapAllocator, sharedAllocator,
  type BatchAllocator, type ElementReader, type ElementWriter, type TypedArrayConstructor,
} from './batching.ts';
export { SyncVectorEnv, type SyncVectorEnvOptions } from './sync-vector-env.ts';
export { ThreadVectorEnv, type ThreadVectorEnvOptions } from './thread-vector-env.ts';
export { makeVec, type EnvWrapper, type MakeVecOptions, type VectorizationMode } from './make-vec.ts';
export { VectorRecordEpisodeStatistics } from './record-episode-statistics.ts';
