"""The LSTM-speed anchor (`npm run bench -- lstm`): one Adam step of PyTorch's nn.LSTM on CPU, one thread.

A batch of B sequences x T steps x D inputs into an nn.LSTM(D, H) (forget and output gates, every gate
fed by x_t and h_{t-1}) with a linear head H -> 1; RUDDER's return-decomposition loss (the squared error
of the last step's prediction plus 0.5 x the mean over steps of every step's squared error, averaged
over the batch, as src/rudder/return-decomposition.ts); backward; gradient-norm clip 0.5; Adam.
Prints one JSON line: the median, min and quartiles of the step time in ms over --reps timed steps after
--warmup untimed ones.

Run with a Python that has torch, e.g.
    eval "$(bench/anchors/setup_torch.sh)" && /usr/bin/python3 bench/anchors/torch_lstm.py --batch 16 --steps 200 --inputs 32 --hidden 64
"""
import argparse
import json
import os
import statistics
import sys
import time

# One thread also for the BLAS: torch.set_num_threads does not reach OpenBLAS's own pool, which must be
# sized before the library loads.
_threads = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else "1"
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, _threads)

import torch  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--inputs", type=int, default=32)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(a.inputs, a.hidden, batch_first=True)
    head = torch.nn.Linear(a.hidden, 1)
    params = list(lstm.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    x = torch.randn(a.batch, a.steps, a.inputs)
    g = torch.randn(a.batch, 1)

    def step() -> float:
        opt.zero_grad(set_to_none=False)
        out, _ = lstm(x)
        y = head(out).squeeze(-1)  # [B, T]
        main_loss = ((y[:, -1] - g[:, 0]) ** 2).mean()
        aux = ((y - g) ** 2).mean()
        loss = main_loss + 0.5 * aux
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 0.5)
        opt.step()
        return float(loss)

    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.reps):
        t0 = time.perf_counter()
        step()
        times.append(1e3 * (time.perf_counter() - t0))
    q = statistics.quantiles(times, n=4)
    print(json.dumps({
        "anchor": "torch.nn.LSTM", "torch": torch.__version__, "threads": torch.get_num_threads(),
        "process_threads": int(open("/proc/self/status").read().split("Threads:")[1].split()[0]) if os.path.exists("/proc/self/status") else None,
        "batch": a.batch, "steps": a.steps, "inputs": a.inputs, "hidden": a.hidden, "reps": a.reps,
        "ms_median": statistics.median(times), "ms_min": min(times), "ms_q1": q[0], "ms_q3": q[2],
    }))


if __name__ == "__main__":
    main()
