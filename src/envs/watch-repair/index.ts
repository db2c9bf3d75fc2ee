export * from './watch-repair.ts';
