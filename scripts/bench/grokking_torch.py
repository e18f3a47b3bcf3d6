#!/usr/bin/python3
"""The peer for `llmlab-cli bench train`: the Nanda et al. 2023 grokking model and optimiser in
plain PyTorch (as their notebook writes it), timed on the CPU. Not a test; run by hand:

    /usr/bin/python3 scripts/bench/grokking_torch.py --threads 2 --steps 50

Needs Debian's python3-torch with libopenblas0-pthread (without it torch uses the reference BLAS
and runs ~20x slower). Prints steps/s for the full-batch training step (forward, backward, AdamW).
"""
import argparse
import time

import torch
import torch.nn.functional as F


class Transformer(torch.nn.Module):
    def __init__(self, vocab, d_model=128, heads=4, d_mlp=512, seq=3):
        super().__init__()
        d_head = d_model // heads
        self.heads, self.d_head = heads, d_head
        self.W_E = torch.nn.Parameter(torch.randn(vocab, d_model) / d_model**0.5)
        self.W_pos = torch.nn.Parameter(torch.randn(seq, d_model) / d_model**0.5)
        self.W_Q = torch.nn.Parameter(torch.randn(heads, d_head, d_model) / d_model**0.5)
        self.W_K = torch.nn.Parameter(torch.randn(heads, d_head, d_model) / d_model**0.5)
        self.W_V = torch.nn.Parameter(torch.randn(heads, d_head, d_model) / d_model**0.5)
        self.W_O = torch.nn.Parameter(torch.randn(d_model, heads * d_head) / d_model**0.5)
        self.W_in = torch.nn.Parameter(torch.randn(d_mlp, d_model) / d_model**0.5)
        self.b_in = torch.nn.Parameter(torch.zeros(d_mlp))
        self.W_out = torch.nn.Parameter(torch.randn(d_model, d_mlp) / d_model**0.5)
        self.b_out = torch.nn.Parameter(torch.zeros(d_model))
        self.W_U = torch.nn.Parameter(torch.randn(d_model, vocab) / vocab**0.5)
        self.register_buffer("mask", torch.tril(torch.ones(seq, seq)))

    def forward(self, x):
        x = self.W_E[x] + self.W_pos  # (B, T, d)
        q = torch.einsum("ihd,bpd->biph", self.W_Q, x)
        k = torch.einsum("ihd,bpd->biph", self.W_K, x)
        v = torch.einsum("ihd,bpd->biph", self.W_V, x)
        scores = torch.einsum("biph,biqh->biqp", k, q) / self.d_head**0.5
        scores = scores.masked_fill(self.mask == 0, float("-inf"))
        attn = F.softmax(scores, dim=-1)
        z = torch.einsum("biph,biqp->biqh", v, attn)
        z = z.permute(0, 2, 1, 3).reshape(x.shape[0], x.shape[1], -1)
        x = x + z @ self.W_O.T
        x = x + F.relu(x @ self.W_in.T + self.b_in) @ self.W_out.T + self.b_out
        return x @ self.W_U


def split_data(p, fraction):
    """All [a, b, =] sequences of a+b mod p, shuffled by torch's seed: (train, validation)."""
    pairs = torch.cartesian_prod(torch.arange(p), torch.arange(p))
    data = torch.cat([pairs, torch.full((p * p, 1), p)], dim=1)
    labels = (pairs[:, 0] + pairs[:, 1]) % p
    perm = torch.randperm(p * p)
    n = round(p * p * fraction)
    return (data[perm[:n]], labels[perm[:n]]), (data[perm[n:]], labels[perm[n:]])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--p", type=int, default=113)
    ap.add_argument("--fraction", type=float, default=0.3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=50)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    p = args.p
    (x, y), _ = split_data(p, args.fraction)
    model = Transformer(p + 1)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1.0, betas=(0.9, 0.98))

    def step():
        logits = model(x)[:, -1]
        loss = F.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(3):
        step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    secs = time.perf_counter() - start
    print(f"pytorch {torch.__version__}, {torch.get_num_threads()} threads, batch {n}: "
          f"{args.steps / secs:.2f} steps/s")


if __name__ == "__main__":
    main()
