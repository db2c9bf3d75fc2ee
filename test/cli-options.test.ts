import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addOptions, choice, command, flag, int, negatable, optionalValue, repeatable, required, value, type OptionValues } from '../scripts/cli-options.ts';

const TABLE = {
  env: value('-e, --env <id>', 'env'),
  numEnvs: value('--num-envs <n>', 'envs', int('--num-envs', 1), 4),
  mode: choice('--mode <m>', 'mode', ['a', 'b'], 'a'),
  run: required('--run <dir>', 'run'),
  sample: flag('--sample', 'sample'),
  progress: negatable('--no-progress', 'progress'),
  resume: optionalValue('--resume [checkpoint]', 'resume'),
  module: repeatable('--module <path>', 'modules'),
};

async function parse(args: string[]): Promise<OptionValues<typeof TABLE>> {
  let got: OptionValues<typeof TABLE> | null = null;
  const program = new Command('t').exitOverride();
  command(program, 'go', 'go', TABLE, (o) => {
    got = o;
  }).exitOverride();
  await program.parseAsync(['go', ...args], { from: 'user' });
  return got!;
}

describe('cli option tables', () => {
  it('give the action each option under its table key, with defaults and parsers applied', async () => {
    const o = await parse(['--run', 'r', '--num-envs', '8', '--module', 'x', '--module', 'y', '--no-progress', '--resume']);
    expect(o).toEqual({ run: 'r', numEnvs: 8, mode: 'a', progress: false, resume: true, module: ['x', 'y'] });
    const p = await parse(['--run', 'r', '-e', 'E', '--mode', 'b', '--sample', '--resume', 'iter-1']);
    expect(p).toMatchObject({ env: 'E', mode: 'b', sample: true, progress: true, resume: 'iter-1', module: [], numEnvs: 4 });
  });

  it('reject a key that is not the name commander stores the value under', () => {
    expect(() => addOptions(new Command('t'), { envs: value('--num-envs <n>', 'envs') }))
      .toThrow('t: option table key "envs" does not match --num-envs <n> (commander stores it as "numEnvs")');
  });

  it('parsers name the flag, the value and what was expected', () => {
    expect(() => int('--steps', 1)('0')).toThrow('--steps must be an integer ≥ 1, got "0"');
  });
});
