export * from './maps.ts';
export * from './venture.ts';
export * from './expert.ts';
