#!/usr/bin/env python3
"""The peer of `llmlab-cli bench finetune`: the same llama-shaped model (RMSNorm, RoPE, grouped-
query attention, SwiGLU, untied output) at the same shape, trained the same way — next-token
cross-entropy on batches of B x T tokens, AdamW, gradient clipping at 1 — in plain PyTorch on
the CPU (Debian's python3-torch with libopenblas0-pthread), full fine-tuning or LoRA (rank r,
alpha 16, B = 0 at first) on the named projections. Random weights and random tokens: only the
speed is compared. Prints training tokens/s after one warm-up step.

    python3 scripts/bench/finetune_torch.py --shape stories260k --method lora --targets q,v
"""
import argparse
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SHAPES = {  # dim, layers, heads, kv heads, ffn, vocab (as llmlab's BenchShape and stories260K)
    "stories260k": (64, 5, 8, 4, 172, 512),
    "stories110m": (768, 12, 12, 12, 2048, 32000),
}


class LoraLinear(nn.Module):
    def __init__(self, base: nn.Linear, r: int, alpha: float):
        super().__init__()
        self.base = base
        self.base.weight.requires_grad_(False)
        self.a = nn.Parameter(torch.empty(r, base.in_features).uniform_(-1, 1) / math.sqrt(base.in_features))
        self.b = nn.Parameter(torch.zeros(base.out_features, r))
        self.scale = alpha / r

    def forward(self, x):
        return self.base(x) + (x @ self.a.t() @ self.b.t()) * self.scale


def rope(x, pos, theta=10000.0):  # x [B, H, T, hd], interleaved pairs as GGUF llama
    hd = x.shape[-1]
    freqs = theta ** (-torch.arange(0, hd, 2, dtype=torch.float32) / hd)
    ang = pos[:, None].float() * freqs[None, :]
    cos, sin = ang.cos(), ang.sin()
    x0, x1 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x0 * cos - x1 * sin, x0 * sin + x1 * cos), dim=-1).flatten(-2)


class Block(nn.Module):
    def __init__(self, d, h, kv, ffn):
        super().__init__()
        self.h, self.kv, self.hd = h, kv, d // h
        self.attn_norm = RMSNorm(d)
        self.q_proj = nn.Linear(d, d, bias=False)
        self.k_proj = nn.Linear(d, kv * self.hd, bias=False)
        self.v_proj = nn.Linear(d, kv * self.hd, bias=False)
        self.o_proj = nn.Linear(d, d, bias=False)
        self.ffn_norm = RMSNorm(d)
        self.gate_proj = nn.Linear(d, ffn, bias=False)
        self.up_proj = nn.Linear(d, ffn, bias=False)
        self.down_proj = nn.Linear(ffn, d, bias=False)

    def forward(self, x, pos):
        B, T, D = x.shape
        h = self.attn_norm(x)
        q = self.q_proj(h).view(B, T, self.h, self.hd).transpose(1, 2)
        k = self.k_proj(h).view(B, T, self.kv, self.hd).transpose(1, 2)
        v = self.v_proj(h).view(B, T, self.kv, self.hd).transpose(1, 2)
        q, k = rope(q, pos), rope(k, pos)
        if self.kv != self.h:
            k = k.repeat_interleave(self.h // self.kv, dim=1)
            v = v.repeat_interleave(self.h // self.kv, dim=1)
        # torch 1.13 (Debian 12) has no scaled_dot_product_attention: the plain form.
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd)
        mask = torch.full((T, T), float("-inf")).triu(1)
        a = torch.softmax(scores + mask, dim=-1) @ v
        x = x + self.o_proj(a.transpose(1, 2).reshape(B, T, D))
        h = self.ffn_norm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class Llama(nn.Module):
    def __init__(self, d, layers, h, kv, ffn, vocab):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList(Block(d, h, kv, ffn) for _ in range(layers))
        self.norm = RMSNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)

    def forward(self, ids):
        pos = torch.arange(ids.shape[1])
        x = self.embed(ids)
        for b in self.blocks:
            x = b(x, pos)
        return self.lm_head(self.norm(x))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--shape", default="stories260k", choices=SHAPES)
    p.add_argument("--method", default="lora", choices=["lora", "full"])
    p.add_argument("--targets", default="q,v", help="projections with LoRA: q,k,v,o,gate,up,down")
    p.add_argument("--rank", type=int, default=8)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seq", type=int, default=64)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    d, layers, h, kv, ffn, vocab = SHAPES[a.shape]
    model = Llama(d, layers, h, kv, ffn, vocab)
    if a.method == "lora":
        for prm in model.parameters():
            prm.requires_grad_(False)
        for b in model.blocks:
            for t in a.targets.split(","):
                name = t + "_proj"
                setattr(b, name, LoraLinear(getattr(b, name), a.rank, 16.0))
    params = [q for q in model.parameters() if q.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.0)
    ids = torch.randint(0, vocab, (a.batch, a.seq + 1))

    def step():
        logits = model(ids[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, vocab), ids[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    step()  # warm-up
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    secs = time.perf_counter() - t0
    n = sum(q.numel() for q in params)
    print(f"pytorch {torch.__version__} {a.shape} {a.method} ({n} values trained, {a.batch} x {a.seq} tokens a step, "
          f"{a.threads} threads): {a.steps * a.batch * a.seq / secs:.1f} tokens/s")


if __name__ == "__main__":
    main()
