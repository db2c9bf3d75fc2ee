export * from './cells.ts';
export * from './grid.ts';
export * from './key-door-treasure.ts';
export * from './rooms.ts';
export * from './experts.ts';
