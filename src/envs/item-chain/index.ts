export * from './items.ts';
export * from './world.ts';
export * from './item-chain.ts';
export * from './expert.ts';
