#!/usr/bin/env python3
"""The peer of one run of llmlab's quick scaling sweep: the same tiny llama (RMSNorm, RoPE on
interleaved pairs, SwiGLU, untied unembedding), batch 16 x 64 characters of tinyshakespeare,
AdamW (betas 0.9/0.99, wd 0.01 on matrices, clip 1.0), warm-up then cosine, in plain PyTorch.
Prints steps per second. Usage: lm_torch.py TEXT [--d-model 64] [--layers 2] [--steps 400]
[--threads 1]. Not a test: a benchmark peer (docs/BENCHMARKS.md)."""
import argparse, math, time
import torch
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("text")
p.add_argument("--d-model", type=int, default=64)
p.add_argument("--layers", type=int, default=2)
p.add_argument("--heads", type=int, default=4)
p.add_argument("--batch", type=int, default=16)
p.add_argument("--seq", type=int, default=64)
p.add_argument("--steps", type=int, default=400)
p.add_argument("--threads", type=int, default=1)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(1)

# The lab's character vocabulary: 3 control tokens, newline (3), printable ASCII from 4 on.
vocab = 99
raw = open(a.text, "rb").read()
data = torch.tensor([3 if c == 10 else (c - 32 + 4 if 32 <= c < 127 else 0) for c in raw],
                    dtype=torch.long)
d, h = a.d_model, a.heads
ff = ((8 * d // 3 + 15) // 16) * 16
hd = d // h


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.n1 = torch.nn.Parameter(torch.ones(d))
        self.n2 = torch.nn.Parameter(torch.ones(d))
        self.q, self.k, self.v, self.o = (torch.nn.Linear(d, d, bias=False) for _ in range(4))
        self.g, self.u = torch.nn.Linear(d, ff, bias=False), torch.nn.Linear(d, ff, bias=False)
        self.dn = torch.nn.Linear(ff, d, bias=False)


def rms(x, w):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * w


inv = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
ang = torch.arange(a.seq).float()[:, None] * inv[None]
cos, sin = ang.cos(), ang.sin()


def rope(x):  # (B, H, T, hd), pairs (0,1), (2,3), ...
    x0, x1 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x0 * cos - x1 * sin, x0 * sin + x1 * cos), -1).flatten(-2)


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(vocab, d)
        self.blocks = torch.nn.ModuleList(Block() for _ in range(a.layers))
        self.norm = torch.nn.Parameter(torch.ones(d))
        self.out = torch.nn.Linear(d, vocab, bias=False)

    def forward(self, t):
        x = self.emb(t)
        B, T = t.shape
        for b in self.blocks:
            y = rms(x, b.n1)
            q, k, v = (m(y).view(B, T, h, hd).transpose(1, 2) for m in (b.q, b.k, b.v))
            att = F.scaled_dot_product_attention(rope(q), rope(k), v, is_causal=True) \
                if hasattr(F, "scaled_dot_product_attention") else None
            if att is None:
                s = (rope(q) @ rope(k).transpose(-1, -2)) / math.sqrt(hd)
                s = s.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf"))
                att = s.softmax(-1) @ v
            x = x + b.o(att.transpose(1, 2).reshape(B, T, d))
            y = rms(x, b.n2)
            x = x + b.dn(F.silu(b.g(y)) * b.u(y))
        return self.out(rms(x, self.norm))


m = Model()
decay = [p_ for n, p_ in m.named_parameters() if p_.dim() == 2 and not n.startswith("emb")]
rest = [p_ for n, p_ in m.named_parameters() if not (p_.dim() == 2 and not n.startswith("emb"))]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01},
                         {"params": rest, "weight_decay": 0.0}], lr=3e-3, betas=(0.9, 0.99))
split = len(data) * 9 // 10


def step(i):
    idx = torch.randint(0, split - a.seq - 1, (a.batch,))
    x = torch.stack([data[j:j + a.seq] for j in idx])
    y = torch.stack([data[j + 1:j + a.seq + 1] for j in idx])
    loss = F.cross_entropy(m(x).view(-1, vocab), y.view(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
    for g in opt.param_groups:
        g["lr"] = 3e-3 * min(1.0, (i + 1) / 50)
    opt.step()
    return loss.item()


for i in range(10):
    step(i)  # warm-up, not timed
t0 = time.perf_counter()
for i in range(a.steps):
    last = step(i)
dt = time.perf_counter() - t0
n = sum(p_.numel() for p_ in m.parameters())
print(f"pytorch {torch.__version__}, {a.threads} thread(s): d {d}, {a.layers} layers, {n} parameters: "
      f"{a.steps / dt:.2f} steps/s ({a.steps} steps in {dt:.2f} s, loss {last:.3f})")
