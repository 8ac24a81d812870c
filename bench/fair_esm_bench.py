#!/usr/bin/python3
"""ESM-2 inference throughput of fair-esm (PyTorch), the reference for build/bin/bench_esm.

Mirrors bench/bench_esm.cpp: random weights of the real ESM-2 shapes (no checkpoint),
float32 on the CPU, two sets of sequences -- 64 x 256 residues and 64 sequences of
50..1000 residues (the same lengths, in the same order, as bench_esm) -- run in
length-sorted batches of at most --max-tokens padded tokens (BOS and EOS counted, as
plmkit's token_budget_batches does), with the mean embedding of the last layer taken
per sequence. Each model gets a warm-up batch (2 x 100 residues), then the best of
--repeat timed runs; prints residues/s and the process's peak RSS (ru_maxrss).
fair-esm runs as its scripts/extract.py does (model.eval(), stock forward, which also
computes the LM-head logits), under torch.inference_mode() like bench_esm's InferenceMode
(extract.py uses the near-equivalent torch.no_grad()).

fair-esm is imported from a source checkout given by --esm-src, e.g.:
  /usr/bin/python3 bench/fair_esm_bench.py --esm-src /tmp/fair-esm --threads 2
  /usr/bin/python3 bench/fair_esm_bench.py --esm-src /tmp/fair-esm --tuned-malloc
  /usr/bin/python3 bench/fair_esm_bench.py --esm-src /tmp/fair-esm --models t6 --count 8
"""
import argparse
import os
import random
import resource
import sys
import time

# glibc malloc settings equal to plmkit's tune_allocator() (src/runtime.cpp): big activation
# buffers are kept on the heap and reused instead of being mmap'ed and unmapped each batch.
TUNED_MALLOC = {
    "MALLOC_MMAP_THRESHOLD_": str(256 << 20),
    "MALLOC_TRIM_THRESHOLD_": str(1 << 30),
    "MALLOC_TOP_PAD_": str(64 << 20),
}
SHAPES = {"t6": (6, 320, 20), "t12": (12, 480, 20), "t30": (30, 640, 20), "t33": (33, 1280, 20)}
# bench_esm's mixed_lengths(): 50 + i * 950 / 63 for i in 0..63 (integer division), shuffled
# with libstdc++'s std::shuffle(..., std::mt19937(7)); that order decides which --count come first.
MIXED_LENGTHS = [
    562, 396, 819, 834, 879, 321, 381, 728, 532, 457, 200, 351, 411, 502, 95, 743,
    894, 336, 773, 185, 803, 261, 366, 638, 909, 276, 849, 653, 442, 547, 969, 80,
    110, 788, 517, 668, 713, 864, 577, 924, 939, 306, 592, 984, 246, 50, 1000, 140,
    607, 472, 623, 487, 170, 758, 683, 954, 291, 215, 155, 230, 65, 426, 125, 698,
]


def parse_args():
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="--tuned-malloc re-executes this script with these glibc variables set (unless "
        "already in the environment): "
        + " ".join(f"{k}={v}" for k, v in TUNED_MALLOC.items())
        + ". Set them yourself to get the same effect without the flag.",
    )
    p.add_argument("--esm-src", required=True, help="fair-esm source checkout (holds esm/)")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (<=0: all cores)")
    p.add_argument("--models", default="t6,t12,t30", help="comma list of t6,t12,t30,t33")
    p.add_argument("--max-tokens", type=int, default=4096, help="padded tokens per batch")
    p.add_argument("--repeat", type=int, default=1, help="timed runs per set (best is shown)")
    p.add_argument("--count", type=int, default=64, help="sequences per set (fewer for quick checks)")
    p.add_argument("--tuned-malloc", action="store_true", help="tune glibc malloc (see below)")
    return p.parse_args()


def token_budget_batches(lengths, max_tokens):
    """Longest first (stable), each batch rows x longest <= max_tokens; as plmkit's batcher."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches, longest = [], 0
    for i in order:
        if not batches or (len(batches[-1]) + 1) * longest > max_tokens:
            batches.append([])
            longest = max(lengths[i], 1)
        batches[-1].append(i)
    return batches


def make_sequences(lengths, alphabet, seed):
    """Token ids <cls> residues <eos> of random standard amino acids."""
    rng = random.Random(seed)
    aa = [alphabet.get_idx(c) for c in "LAGVSERTIDPKQNFYMHWC"]
    return [[alphabet.cls_idx] + [rng.choice(aa) for _ in range(n)] + [alphabet.eos_idx]
            for n in lengths]


def run(torch, model, seqs, max_tokens, pad):
    """All sequences in token-budget batches, mean last-layer embeddings; returns seconds."""
    batches = token_budget_batches([len(s) for s in seqs], max_tokens)
    start, checksum = time.perf_counter(), 0.0
    with torch.inference_mode():
        for b in batches:
            width = max(len(seqs[i]) for i in b)
            tokens = torch.tensor([seqs[i] + [pad] * (width - len(seqs[i])) for i in b])
            rep = model(tokens, repr_layers=[model.num_layers])["representations"][model.num_layers]
            for r, i in enumerate(b):
                checksum += rep[r, 1 : len(seqs[i]) - 1].mean(0).sum().item()
    secs = time.perf_counter() - start
    if checksum != checksum:
        print("fair_esm_bench: NaN in outputs", file=sys.stderr)
    return secs


def main():
    args = parse_args()
    if args.tuned_malloc:
        missing = {k: v for k, v in TUNED_MALLOC.items() if k not in os.environ}
        if missing:  # glibc reads these at start-up only: re-exec with them set
            os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, **missing})
    malloc = " ".join(f"{k}={os.environ[k]}" for k in TUNED_MALLOC if k in os.environ)

    sys.path.insert(0, os.path.abspath(args.esm_src))
    import torch
    import esm

    threads = args.threads if args.threads > 0 else len(os.sched_getaffinity(0))
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    alphabet = esm.data.Alphabet.from_architecture("ESM-1b")
    print(f"fair_esm_bench: torch {torch.__version__}, fair-esm {esm.__version__} "
          f"({os.path.dirname(esm.__file__)}), device cpu, dtype fp32, threads "
          f"{torch.get_num_threads()}, max tokens {args.max_tokens}, malloc: {malloc or 'default'}")
    count = args.count
    uniform = make_sequences([256] * count, alphabet, 1)
    mixed = make_sequences(MIXED_LENGTHS[: min(count, 64)], alphabet, 2)
    res_uniform, res_mixed = 256 * count, sum(len(s) - 2 for s in mixed)
    print(f"{'model':<5} {'params':>12} {'64x256 res/s':>14} {'mixed res/s':>14} {'peak RSS MB':>12}",
          flush=True)
    wanted = args.models.split(",")
    for name, (layers, hidden, heads) in SHAPES.items():
        if name not in wanted:
            continue
        model = esm.model.esm2.ESM2(num_layers=layers, embed_dim=hidden, attention_heads=heads,
                                    alphabet=alphabet, token_dropout=True).eval()
        params = sum(p.numel() for p in model.parameters())
        pad = alphabet.padding_idx
        run(torch, model, make_sequences([100, 100], alphabet, 3), args.max_tokens, pad)  # warm-up
        best_u = best_m = float("inf")
        for _ in range(args.repeat):
            best_u = min(best_u, run(torch, model, uniform, args.max_tokens, pad))
            best_m = min(best_m, run(torch, model, mixed, args.max_tokens, pad))
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        print(f"{name:<5} {params / 1e6:11.1f}M {res_uniform / best_u:14.0f} "
              f"{res_mixed / best_m:14.0f} {rss_mb:12.0f}", flush=True)
        del model


if __name__ == "__main__":
    main()
