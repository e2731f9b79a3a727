# Shared by the side-by-side scripts (sourced; needs UNMASK, PY and THREADS set):
# llama.cpp's and Unmask's timings on one canvas of 160 (32 prompt ids, 128 masks, blocks of
# 32), and the rows of their tables.

# llama-diffusion-cli's ms per forward pass: the median gap between two consecutive step lines
# (it blocks over the whole canvas and skips blocks with nothing masked, so its own "time per
# step" undercounts), as ../shared/bench/llamacpp_anchor.sh measures it.
llama_forward_ms() {  # CLI GGUF STEPS
  local prompt; prompt=$(printf 'word %.0s' $(seq 1 30))
  "$1" -m "$2" -p "$prompt" -t "$THREADS" -c 160 -b 160 -ub 160 --diffusion-steps "$3" \
    --diffusion-block-length 32 --temp 0 2>&1 | $PY -c '
import re, sys
raw = sys.stdin.read()
ts = [(int(m[4]), int(m[0]) * 60 + int(m[1]) + int(m[2]) / 1e3 + int(m[3]) / 1e6)
      for m in re.findall(r"(\d+)\.(\d+)\.(\d+)\.(\d+) I \s*diffusion step: (\d+)/", raw)]
d = sorted(b[1] - a[1] for a, b in zip(ts, ts[1:]) if b[0] == a[0] + 1)
print("%.1f" % (1000 * d[len(d) // 2]) if d else "")'
}

# What a user sees: `unmask generate --json` seconds / steps, LLaDA's preset on the same canvas
# (empty, the refusal on stderr, where this CPU cannot run the flags, as --kernel avx512-bf16).
unmask_step_ms() {  # MODEL STEPS [extra flags...]
  local model=$1 steps=$2; shift 2
  "$UNMASK" generate --model "$model" --preset llada --prompt-tokens "$(seq -s, 100 131)" \
    --length 128 --steps "$steps" --block-length 32 --strategy confidence --temperature 0 \
    --threads "$THREADS" --json "$@" | $PY -c "import json, sys
text = sys.stdin.read()
if text.strip():
    r = json.loads(text)
    print('%.1f' % (1000 * r['seconds'] / r['steps']))"
}

# One forward pass over all 160 rows of logits, as llama.cpp computes them (best of REPS).
unmask_pass_ms() {  # MODEL REPS
  local kernel=avx2
  grep -q avx512f /proc/cpuinfo && kernel=avx512
  "$UNMASK" bench forward --model "$1" --tokens 160 --logit-rows 0 --repetitions "$2" \
    --kernels "$kernel" --threads "$THREADS" | sed -n 's/.* \([0-9.]*\) ms\/pass .*/\1/p' | head -1
}

# A table row: label, llama.cpp's ms, Unmask's ms, their ratio (>1: Unmask faster).
ratio_row() {  # LABEL LLAMA_MS UNMASK_MS
  $PY -c "import sys
label, l, u = sys.argv[1:4]
ratio = '%.2fx' % (float(l) / float(u)) if l and u else '-'
print('| %s | %s | %s | %s |' % (label, l or '-', u or '-', ratio))" "$@"
}

# The machine line printed above each table: the CPU's model name and its widest vector
# extensions (the kernels are chosen from them at run time), threads, and the load.
machine_line() {
  local isa
  isa=$(grep -m1 '^flags' /proc/cpuinfo | grep -o -w -E 'avx2|avx512f|avx512_vnni|avx512_bf16' | tr '\n' ' ')
  echo "$(date -u +%FT%TZ), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), ${isa:-no avx2}, $THREADS threads, load $(cut -d' ' -f1-3 /proc/loadavg)"
}
