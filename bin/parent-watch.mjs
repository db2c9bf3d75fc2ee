// Loaded with `node --import` into the `rudder train` children of a sweep (local pool, queue worker): when
// the process that started the child dies (a killed worker or `rudder sweep`), the child exits too, so no
// orphan keeps writing into a run folder that a retry on another worker is resuming.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(129);
}, 200).unref();
