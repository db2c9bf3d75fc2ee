// Loaded with `node --import` into the `rudder train` children of a sweep (local pool, queue worker): when
// the process that started the child dies (a killed worker or `rudder sweep`), the child is killed too, so no
// orphan keeps writing into a run folder that a retry on another worker is resuming. The watch runs in a
// worker thread because training keeps the main thread busy without yielding to its event loop.
import { Worker } from 'node:worker_threads';

const watch = `
  const parent = ${process.ppid};
  setInterval(() => { if (process.ppid !== parent) process.kill(${process.pid}, 'SIGKILL'); }, 50);
`;
new Worker(watch, { eval: true }).unref();
