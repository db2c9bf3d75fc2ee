import type { AlignRudder } from './align-rudder.ts';
import { NO_EVENT, type TransitionEvents } from './transition-events.ts';

/**
 * The tabular route (the gridworld reproduction, align-rudder.ts): the successor-representation clusters
 * of `AlignRudder.fromDemos`, read through `stateOf` (the state index of an observation, e.g. a rooms env's
 * (x, y, room) coordinates). An event is entering another cluster (rudder.md §3 (I)); the first state's
 * cluster is the start event, so an episode's events are exactly `AlignRudder.eventsOf(states)`.
 */
export class SuccessorEvents implements TransitionEvents {
  readonly name: string;
  readonly numEvents: number;
  readonly hasStartEvent = true;

  constructor(readonly model: AlignRudder, private readonly stateOf: (obs: Float32Array) => number) {
    this.numEvents = model.numLabels;
    this.name = `successor-representation clusters (${model.numLabels})`;
  }

  start(obs: Float32Array): number {
    return this.model.labelOf(this.stateOf(obs));
  }

  event(obs: Float32Array, _action: number, next: Float32Array): number {
    const l = this.model.labelOf(this.stateOf(next));
    return l === this.model.labelOf(this.stateOf(obs)) ? NO_EVENT : l;
  }

  eventName(id: number): string {
    if (!(Number.isInteger(id) && id >= 0 && id < this.numEvents)) throw new RangeError(`SuccessorEvents: event ${id} is outside 0..${this.numEvents - 1}`);
    return `cluster ${id}`;
  }
}
