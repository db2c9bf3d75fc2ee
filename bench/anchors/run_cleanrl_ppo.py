"""Speed anchor for `npm run bench -- ppo`: runs CleanRL's own ppo.py, unmodified, from a checkout outside
this repository (path in CLEANRL_PPO_PY), on one torch thread.

tyro and tensorboard are not installable here (no PyPI), so they are replaced by stand-ins: `tyro.cli`
returns the default Args with `--name=value` overrides, and SummaryWriter discards its scalars (ppo.py
prints `SPS: N` and `global_step=N, episodic_return=[R]` itself).

ppo.py pins Gymnasium 0.29; only 1.x is installed here. 1.x changed the vector contract it reads: the
default autoreset moved from same-step to next-step, and finished episodes' infos moved from a per-env list
under `final_info` to dicts of arrays. `SyncVectorEnv` is therefore given back 0.29's contract (same-step
autoreset, `final_info` as a list of per-env dicts or None), so ppo.py runs and logs as it did under 0.29.
"""
import os
import runpy
import sys
import types

import gymnasium as gym
import numpy as np
import torch
from gymnasium.vector import AutoresetMode

torch.set_num_threads(1)


class SyncVectorEnv029(gym.vector.SyncVectorEnv):
    def __init__(self, env_fns, **kwargs):
        kwargs.setdefault("autoreset_mode", AutoresetMode.SAME_STEP)
        super().__init__(env_fns, **kwargs)

    def step(self, actions):
        obs, rewards, terminations, truncations, infos = super().step(actions)
        if "final_info" in infos:
            final, mask = infos.pop("final_info"), infos.pop("_final_info")
            per_env = np.full(self.num_envs, None, dtype=object)
            for i in np.flatnonzero(mask):
                info = {}
                for key, value in final.items():
                    if key.startswith("_") or not final.get("_" + key, mask)[i]:
                        continue
                    info[key] = {k: v[i] for k, v in value.items() if not k.startswith("_")} if isinstance(value, dict) else value[i]
                per_env[i] = info
            infos["final_info"] = per_env
        return obs, rewards, terminations, truncations, infos


gym.vector.SyncVectorEnv = SyncVectorEnv029


class SummaryWriter:
    def __init__(self, *args, **kwargs): pass
    def add_text(self, *args, **kwargs): pass
    def add_scalar(self, *args, **kwargs): pass
    def close(self): pass


tensorboard = types.ModuleType("torch.utils.tensorboard")
tensorboard.SummaryWriter = SummaryWriter
sys.modules["torch.utils.tensorboard"] = tensorboard


def cli(cls):
    args = cls()
    for arg in sys.argv[1:]:
        key, value = arg.lstrip("-").split("=", 1)
        key = key.replace("-", "_")
        setattr(args, key, type(getattr(args, key))(value))
    return args


tyro = types.ModuleType("tyro")
tyro.cli = cli
sys.modules["tyro"] = tyro
runpy.run_path(os.environ["CLEANRL_PPO_PY"], run_name="__main__")
