/**
 * The CLI's option tables: each command declares its options once, as a table keyed by the name commander
 * gives the value (`--num-envs` → `numEnvs`), and both the commander `Option` and the action's TypeScript type
 * come from that table, so a declaration and its type cannot drift apart.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';

/** One option: commander's declaration, and (as a type only) the value its action receives. */
export interface OptionDef<T> {
  readonly option: Option;
  /** Never set: carries T for {@link OptionValues}. */
  readonly valueType?: T;
}

export type OptionTable = Record<string, OptionDef<unknown>>;

/** The options object an action receives for a table. */
export type OptionValues<D extends OptionTable> = { [K in keyof D]: D[K] extends OptionDef<infer T> ? T : never };

const def = <T>(option: Option): OptionDef<T> => ({ option });

/** A value option, `<v>` in `flags`; parsed by `parse` (the raw string without one); undefined when absent unless a default is given. */
export function value(flags: string, description: string): OptionDef<string | undefined>;
export function value<T>(flags: string, description: string, parse: (v: string) => T): OptionDef<T | undefined>;
export function value<T>(flags: string, description: string, parse: (v: string) => T, defaultValue: T): OptionDef<T>;
export function value<T>(flags: string, description: string, parse?: (v: string) => T, defaultValue?: T): OptionDef<T | string | undefined> {
  const o = new Option(flags, description);
  if (parse) o.argParser(parse);
  if (defaultValue !== undefined) o.default(defaultValue);
  return def(o);
}

/** A value option that must be given. */
export function required(flags: string, description: string): OptionDef<string> {
  return def(new Option(flags, description).makeOptionMandatory());
}

/** A value option restricted to `choices`; undefined when absent unless a default is given. */
export function choice<const C extends readonly string[]>(flags: string, description: string, choices: C): OptionDef<C[number] | undefined>;
export function choice<const C extends readonly string[]>(flags: string, description: string, choices: C, defaultValue: C[number]): OptionDef<C[number]>;
export function choice<const C extends readonly string[]>(flags: string, description: string, choices: C, defaultValue?: C[number]): OptionDef<C[number] | undefined> {
  const o = new Option(flags, description).choices(choices);
  if (defaultValue !== undefined) o.default(defaultValue);
  return def(o);
}

/** A boolean switch (`--sample`): true when given, undefined otherwise. */
export function flag(flags: string, description: string): OptionDef<boolean | undefined> {
  return def(new Option(flags, description));
}

/** A `--no-x` switch: x is true unless it is given. */
export function negatable(flags: string, description: string): OptionDef<boolean> {
  if (!/^--no-/.test(flags)) throw new Error(`negatable option: flags must start with --no-, got "${flags}"`);
  return def(new Option(flags, description));
}

/** An option whose value may be left out (`--resume [checkpoint]`): true without a value, the value with one. */
export function optionalValue(flags: string, description: string): OptionDef<boolean | string | undefined> {
  if (!/\[[^\]]+\]/.test(flags)) throw new Error(`optionalValue option: flags must hold an [optional] value, got "${flags}"`);
  return def(new Option(flags, description));
}

/** A value option that may be given many times; the values in order ([] when absent). */
export function repeatable(flags: string, description: string): OptionDef<string[]> {
  return def(new Option(flags, description).argParser((v: string, prev: string[]) => [...prev, v]).default([], 'none'));
}

/** Add a table's options to `cmd`. The key must be the name commander gives the value, or the type would lie. */
export function addOptions<D extends OptionTable>(cmd: Command, table: D): Command {
  for (const [key, d] of Object.entries(table)) {
    const name = d.option.attributeName();
    if (name !== key) throw new Error(`${cmd.name()}: option table key "${key}" does not match ${d.option.flags} (commander stores it as "${name}")`);
    cmd.addOption(d.option);
  }
  return cmd;
}

/** A subcommand of `parent` with the options of `table`; `action` gets them typed by that table. */
export function command<D extends OptionTable>(parent: Command, name: string, description: string, table: D, action: (o: OptionValues<D>) => void | Promise<void>): Command {
  const cmd = addOptions(parent.command(name).description(description), table);
  return cmd.action(async () => {
    await action(cmd.opts<OptionValues<D>>());
  });
}

/** A parser for an integer ≥ `min`; `name` is the flag the error names. */
export function int(name: string, min: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got "${v}"`);
    return n;
  };
}

/** A parser for a finite number; `name` is the flag the error names. */
export function num(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got "${v}"`);
    return n;
  };
}
