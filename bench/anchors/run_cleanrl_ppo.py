"""Speed anchor for `npm run bench -- ppo`: runs CleanRL's own ppo.py, unmodified, from a checkout outside
this repository (path in CLEANRL_PPO_PY), on one torch thread.

tyro and tensorboard are not installable here (no PyPI), so they are replaced by stand-ins: `tyro.cli`
returns the default Args with `--name=value` overrides, and SummaryWriter discards its scalars (ppo.py
prints `SPS: N` itself). Under Gymnasium 1.x ppo.py prints no episode returns (it reads 0.29's
`final_info`), so only its speed is used.
"""
import os
import runpy
import sys
import types

import torch

torch.set_num_threads(1)


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
