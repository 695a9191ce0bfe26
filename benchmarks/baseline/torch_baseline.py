"""PyTorch eager baseline for the ValueDrift benchmarks.

The same Llama architecture as src/ValueDrift/Models (pre-norm RMSNorm, rotary embeddings in the rotate-half layout,
grouped-query attention, SwiGLU MLP, tied head), written here from the formulas. It runs as a worker: the .NET
benchmark sends one JSON command per line on stdin and reads one JSON answer per line on stdout, so both sides'
repetitions can be interleaved (A B A B ...) and share the machine's noise.

Commands: {"cmd": "info"} | {"cmd": "setup", "mode": "sft"|"dpo", "d_model", "layers", "heads", "kv_heads", "ffn",
"vocab", "batch", "seq"} | {"cmd": "step"} | {"cmd": "quit"}.
"""
import json, math, os, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F


class RmsNorm(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.weight, self.eps = nn.Parameter(torch.ones(dim)), eps

    def forward(self, x):  # statistics in float32, as Llama does
        x32 = x.float()
        return self.weight * (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)).to(x.dtype)


def rotate(x, cos, sin):  # (B, H, T, D): (x1, x2) -> (x1 cos - x2 sin, x2 cos + x1 sin)
    x1, x2 = x.chunk(2, dim=-1)
    return x * cos + torch.cat([-x2, x1], dim=-1) * sin


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, h, kv, hd = c["d_model"], c["heads"], c["kv_heads"], c["d_model"] // c["heads"]
        self.h, self.kv, self.hd = h, kv, hd
        self.input_layernorm, self.post_attention_layernorm = RmsNorm(d), RmsNorm(d)
        self.q_proj, self.k_proj = nn.Linear(d, h * hd, bias=False), nn.Linear(d, kv * hd, bias=False)
        self.v_proj, self.o_proj = nn.Linear(d, kv * hd, bias=False), nn.Linear(h * hd, d, bias=False)
        self.gate_proj, self.up_proj = nn.Linear(d, c["ffn"], bias=False), nn.Linear(d, c["ffn"], bias=False)
        self.down_proj = nn.Linear(c["ffn"], d, bias=False)

    def forward(self, x, cos, sin, causal):  # (B, T, C) -> (B, T, C)
        B, T, _ = x.shape
        a = self.input_layernorm(x)
        q = rotate(self.q_proj(a).view(B, T, self.h, self.hd).transpose(1, 2), cos, sin)
        k = rotate(self.k_proj(a).view(B, T, self.kv, self.hd).transpose(1, 2), cos, sin)
        v = self.v_proj(a).view(B, T, self.kv, self.hd).transpose(1, 2)
        k, v = k.repeat_interleave(self.h // self.kv, 1), v.repeat_interleave(self.h // self.kv, 1)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd) + causal  # softmax(QK^T / sqrt(d) + mask) V
        y = (scores.softmax(-1) @ v).transpose(1, 2).reshape(B, T, self.h * self.hd)
        x = x + self.o_proj(y)
        m = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(m)) * self.up_proj(m))


class Llama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab"], c["d_model"])
        self.layers = nn.ModuleList(Block(c) for _ in range(c["layers"]))
        self.norm, self.hd = RmsNorm(c["d_model"]), c["d_model"] // c["heads"]
        for name, p in self.named_parameters():
            if not name.endswith("norm.weight"):
                nn.init.normal_(p, 0.0, 0.02)

    def forward(self, ids):  # (B, T) -> (B, T, V) float32 logits
        T = ids.shape[1]
        inv = 1.0 / (10000.0 ** (torch.arange(0, self.hd, 2).float() / self.hd))
        freqs = torch.arange(T).float()[:, None] * inv[None, :]
        emb = torch.cat([freqs, freqs], -1)
        cos, sin = emb.cos(), emb.sin()
        causal = torch.full((T, T), float("-inf")).triu(1)
        h = self.embed_tokens(ids)
        for layer in self.layers:
            h = layer(h, cos, sin, causal)
        return F.linear(self.norm(h), self.embed_tokens.weight).float()  # tied head


def sequence_logps(logits, ids, mask):  # shift by one, log pi(x_t+1 | x_<=t) summed over the masked tokens
    l, targets, m = logits[:, :-1], ids[:, 1:], mask[:, 1:]
    token = l.gather(-1, targets.unsqueeze(-1)).squeeze(-1) - l.logsumexp(-1)
    return (token * m).sum(1), m.sum(1)


class Bench:
    def setup(self, c):
        torch.manual_seed(0)
        self.c, self.model = c, Llama(c)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=1e-4, weight_decay=0.0)
        g = torch.Generator().manual_seed(1)
        B, T, V = c["batch"], c["seq"], c["vocab"]
        rows = 2 * B if c["mode"] == "dpo" else B  # DPO: chosen rows then rejected rows, one forward
        self.ids = torch.randint(0, V, (rows, T), generator=g)
        self.mask = torch.ones(rows, T)
        if c["mode"] == "dpo":
            self.ids[B:, : T // 2] = self.ids[:B, : T // 2]  # shared prompt
            self.mask[:, : T // 2] = 0
            self.ref = -torch.rand(rows, generator=g) * 10 - T  # cached reference log-probs
        return {"parameters": sum(p.numel() for p in self.model.parameters())}

    def step(self):
        self.opt.zero_grad(set_to_none=True)
        logps, count = sequence_logps(self.model(self.ids), self.ids, self.mask)
        B = self.c["batch"]
        if self.c["mode"] == "dpo":
            ratio = logps - self.ref
            loss = -F.logsigmoid(0.1 * (ratio[:B] - ratio[B:])).mean()
        else:
            loss = -logps.sum() / count.sum()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()
        return loss.item()


def peak_rss_reset():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM, the peak resident set
    except OSError:
        pass


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def main():
    threads = int(os.environ.get("BENCH_THREADS", "0")) or os.cpu_count()
    torch.set_num_threads(threads)
    bench = Bench()
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "info":
            blas = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")  # Debian's BLAS alternative in use
            out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas,
                   "python": sys.version.split()[0]}
        elif cmd["cmd"] == "setup":
            peak_rss_reset()
            out = bench.setup(cmd)
        elif cmd["cmd"] == "step":
            start = time.perf_counter()
            loss = bench.step()
            out = {"seconds": time.perf_counter() - start, "loss": loss, "peak_rss_mb": peak_rss_mb()}
        elif cmd["cmd"] == "quit":
            break
        else:
            out = {"error": "unknown command " + cmd["cmd"]}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
