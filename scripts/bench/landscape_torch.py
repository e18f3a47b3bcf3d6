#!/usr/bin/python3
"""The peer for `llmlab-cli bench landscape`: a 2-D loss landscape of the Nanda et al. 2023 model
(the same Transformer as grokking_torch.py) computed as a plain PyTorch loop would: for each grid
point, write theta* + a d1 + b d2 into the parameters and evaluate the validation loss. Not a
test; run by hand:

    /usr/bin/python3 scripts/bench/landscape_torch.py --threads 2 --grid 41

Needs Debian's python3-torch with libopenblas0-pthread. The directions are filter-normalised
random directions (Li et al. 2018), biases zeroed, as llmlab's default.
"""
import argparse
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from grokking_torch import Transformer, split_data  # noqa: E402


def filter_normalised(params, gen):
    dirs = []
    for w in params:
        d = torch.randn(w.shape, generator=gen)
        if w.dim() <= 1:
            d.zero_()
        else:
            rows_w = w.reshape(-1, w.shape[-1]).norm(dim=1, keepdim=True)
            rows_d = d.reshape(-1, d.shape[-1]).norm(dim=1, keepdim=True)
            d = (d.reshape(-1, d.shape[-1]) * rows_w / rows_d).reshape(w.shape)
        dirs.append(d)
    return dirs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--p", type=int, default=113)
    ap.add_argument("--fraction", type=float, default=0.3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--grid", type=int, default=41)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    p = args.p
    _, (x, y) = split_data(p, args.fraction)  # the validation split
    model = Transformer(p + 1)
    params = list(model.parameters())
    centre = [w.detach().clone() for w in params]
    gen = torch.Generator().manual_seed(1)
    d1, d2 = filter_normalised(centre, gen), filter_normalised(centre, gen)
    alphas = torch.linspace(-1, 1, args.grid)
    grid = torch.empty(args.grid, args.grid)
    start = time.perf_counter()
    with torch.no_grad():
        for i, b in enumerate(alphas):
            for j, a in enumerate(alphas):
                for w, c, u, v in zip(params, centre, d1, d2):
                    w.copy_(c + a * u + b * v)
                grid[i, j] = F.cross_entropy(model(x)[:, -1], y)
    secs = time.perf_counter() - start
    points = args.grid * args.grid
    print(f"pytorch {torch.__version__}, {torch.get_num_threads()} threads, val {len(y)} examples, "
          f"{args.grid}x{args.grid} grid: {secs:.2f} s, {points / secs:.1f} points/s, "
          f"{1e3 * secs / points:.2f} ms/point (loss {grid.min():.4g}..{grid.max():.4g})")


if __name__ == "__main__":
    main()
