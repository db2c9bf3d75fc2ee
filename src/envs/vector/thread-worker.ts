// The worker side of ThreadVectorEnv: builds sub-envs `offset … offset + count − 1` with `make(id, kwargs)`
// and serves commands from the main thread over shared memory (protocol in thread-vector-env.ts).
// Started through thread-worker-bootstrap.mjs, which registers tsx first.
import { pathToFileURL } from 'node:url';
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import '../index.ts'; // registers the built-in envs
import type { Env, Info } from '../core/env.ts';
import { make } from '../core/registry.ts';
import { hasEnvState } from '../core/env-state.ts';
import { SubEnvGroup } from './sync-vector-env.ts';
import { Cmd, Ctrl, CTRL_STRIDE, type WorkerData, type WorkerInit, type WorkerReply, type WorkerReset, type WorkerSliceState } from './thread-vector-env.ts';
import type { AutoresetMode } from './vector-env.ts';

const data = workerData as WorkerData;
const port: MessagePort = data.port;
const ctrl = new Int32Array(data.ctrl);
const base = data.workerIndex * CTRL_STRIDE;
// Spinning briefly before sleeping answers back-to-back commands without a futex round trip; kept short
// so idle workers do not steal cores from the main thread.
const SPIN = 2000;

function reply(msg: WorkerReply): void {
  port.postMessage(msg);
}

function errorReply(e: unknown): WorkerReply {
  const err = e instanceof Error ? e : new Error(String(e));
  return { type: 'error', name: err.name, message: err.message, stack: err.stack ?? '' };
}

/** Marks command `seq` done with `status` (0 ok, 1 error) and wakes the main thread. */
function done(seq: number, status: number): void {
  ctrl[base + Ctrl.STATUS] = status;
  Atomics.store(ctrl, base + Ctrl.DONE, seq);
  Atomics.notify(ctrl, base + Ctrl.DONE);
}

let envs: Env<unknown, unknown>[] = [];

async function start(): Promise<void> {
  try {
    for (const m of data.modules) await import(/\w{2,}:/.test(m) ? m : pathToFileURL(m).href);
    for (let k = 0; k < data.count; k++) envs.push(make(data.id, data.kwargs));
    const first = envs[0]!;
    let metadata: Record<string, unknown>;
    try {
      metadata = JSON.parse(JSON.stringify(first.metadata)) as Record<string, unknown>;
    } catch {
      metadata = { renderModes: [] };
    }
    reply({
      type: 'spaces',
      observationSpace: first.observationSpace.toJSON(),
      actionSpace: first.actionSpace.toJSON(),
      metadata,
      renderMode: first.renderMode,
      envState: envs.every((e) => hasEnvState(e)),
    });
  } catch (e) {
    reply(errorReply(e));
    done(1, 1);
    return;
  }
  done(1, 0);
  serve();
}

/** Info JSON in the shared region: slot 0 holds `infos[i]`, slot 1 `finalInfos[i]`. */
class InfoWriter {
  private readonly lengths: Int32Array;
  private readonly views: Uint8Array[];
  private readonly encoder = new TextEncoder();

  constructor(private readonly init: WorkerInit, private readonly who: string) {
    this.lengths = init.infoLengths;
    const bytes = init.infoBytes;
    this.views = Array.from({ length: 2 * data.numEnvs }, (_, j) => init.infoData.subarray(j * bytes, (j + 1) * bytes));
  }

  write(i: number, slot: number, info: Info | null): void {
    const j = 2 * i + slot;
    if (info === null || isEmpty(info)) {
      this.lengths[j] = 0;
      return;
    }
    const json = JSON.stringify(info);
    const { read, written } = this.encoder.encodeInto(json, this.views[j]!);
    if (read < json.length) {
      throw new RangeError(
        `${this.who}: sub-env ${i}: its ${slot === 0 ? 'info' : 'final info'} is ${Buffer.byteLength(json)} bytes of JSON, more than infoBytes = ${this.init.infoBytes}; ` +
          'pass a larger infoBytes to ThreadVectorEnv / makeVec',
      );
    }
    this.lengths[j] = written;
  }
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

function serve(): void {
  let group: SubEnvGroup | null = null;
  let infoWriter: InfoWriter | null = null;
  let actions: unknown = null;
  const who = `ThreadVectorEnv(${data.id})`;
  let seen = 1;
  const off = data.offset, count = data.count;
  const writeInfos = (): void => {
    const g = group!, w = infoWriter!;
    for (let i = off; i < off + count; i++) {
      w.write(i, 0, g.infos[i]!);
      if (g.finalInfos) w.write(i, 1, g.finalInfos[i]!);
    }
  };
  for (;;) {
    // The main thread numbers commands 2, 3, 4, … (1 was the start-up handshake).
    const want = seen + 1;
    let req = Atomics.load(ctrl, base + Ctrl.REQ);
    for (let s = 0; req !== want && s < SPIN; s++) req = Atomics.load(ctrl, base + Ctrl.REQ);
    while (req !== want) {
      Atomics.wait(ctrl, base + Ctrl.REQ, req);
      req = Atomics.load(ctrl, base + Ctrl.REQ);
    }
    seen = want;
    const cmd = ctrl[base + Ctrl.CMD];
    let status = 0;
    try {
      if (cmd === Cmd.STEP) {
        group!.step(actions);
        writeInfos();
      } else if (cmd === Cmd.RESET) {
        const msg = receiveMessageOnPort(port)?.message as WorkerReset;
        group!.reset(msg.seeds.map((s) => s ?? undefined), msg.options);
        writeInfos();
      } else if (cmd === Cmd.INIT) {
        const init = receiveMessageOnPort(port)?.message as WorkerInit;
        actions = init.actions;
        infoWriter = new InfoWriter(init, who);
        group = new SubEnvGroup(
          envs, off, data.numEnvs, envs[0]!.observationSpace, envs[0]!.actionSpace, data.autoresetMode as AutoresetMode,
          { obs: init.obs, rewards: init.rewards, terminations: init.terminations, truncations: init.truncations, finalObs: init.finalObs, finalMask: init.finalMask },
          who,
        );
      } else if (cmd === Cmd.GET_STATE) {
        reply({ type: 'state', state: group!.getState() });
      } else if (cmd === Cmd.SET_STATE) {
        group!.setState(receiveMessageOnPort(port)?.message as WorkerSliceState);
      } else if (cmd === Cmd.CLOSE) {
        for (const e of envs) e.close();
        envs = [];
        done(seen, 0);
        port.close();
        return;
      } else {
        throw new Error(`${who}: worker ${data.workerIndex} got unknown command ${cmd}`);
      }
    } catch (e) {
      reply(errorReply(e));
      status = 1;
    }
    done(seen, status);
  }
}

void start();
