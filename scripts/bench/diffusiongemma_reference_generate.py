#!/usr/bin/env python3
"""Time transformers' DiffusionGemma `generate()` on a checkpoint folder, replaying noise rows.

    python3 scripts/bench/diffusiongemma_reference_generate.py --model Tests/Fixtures/tiny-diffusiongemma \
        --prompt-tokens 2,5,6 --noise-rows rows.npy --max-new-tokens 48 --threads 2 [--samples 3]

Needs torch and transformers 5.23 (DiffusionGemmaForBlockDiffusion). Inside a context manager
only, `torch.randint` returns the next row of --noise-rows (the sampler's starting and
re-noising canvases, in the order it draws them) and `torch.multinomial` the argmax, which is
what `unmask generate --noise-rows FILE --temperature 0` does: the two runs do the same work
and give the same tokens. The model is loaded once (not timed); each sample is one `generate`
call. Prints one JSON line: seconds per sample (median), the tokens, the decoder passes.
"""

import argparse
import contextlib
import json
import statistics
import time

import numpy as np
import torch


@contextlib.contextmanager
def replayed(rows):
    """torch.randint -> the next row of `rows` (as [1, C]); torch.multinomial -> argmax."""
    randint, multinomial = torch.randint, torch.multinomial
    state = {"next": 0}

    def next_row(low=0, high=None, size=None, **kwargs):
        row = torch.from_numpy(rows[state["next"]].astype(np.int64)).reshape(size)
        state["next"] += 1
        return row.to(kwargs.get("device") or "cpu")

    def greedy(probs, num_samples=1, **kwargs):
        return probs.argmax(dim=-1, keepdim=True)

    torch.randint, torch.multinomial = next_row, greedy
    try:
        yield state
    finally:
        torch.randint, torch.multinomial = randint, multinomial


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--prompt-tokens", required=True)
    ap.add_argument("--noise-rows", required=True)
    ap.add_argument("--max-new-tokens", type=int, required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--samples", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    from transformers import DiffusionGemmaForBlockDiffusion

    model = DiffusionGemmaForBlockDiffusion.from_pretrained(args.model, dtype=torch.float32).eval()
    prompt = torch.tensor([[int(t) for t in args.prompt_tokens.split(",")]])
    rows = np.load(args.noise_rows)
    seconds, out = [], None
    for _ in range(args.samples):
        with torch.no_grad(), replayed(rows) as state:
            start = time.perf_counter()
            out = model.generate(prompt, max_new_tokens=args.max_new_tokens)
            seconds.append(time.perf_counter() - start)
    sequences = out.sequences if hasattr(out, "sequences") else out
    print(json.dumps({
        "seconds_per_sample": statistics.median(seconds), "samples": args.samples,
        "rows_used": state["next"], "tokens": sequences[0].tolist(),
        "threads": args.threads, "transformers": __import__("transformers").__version__,
    }))


if __name__ == "__main__":
    main()
