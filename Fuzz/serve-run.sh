#!/usr/bin/env bash
# Builds the libFuzzer harness for `unmask serve`'s request bodies and runs it.
#   Fuzz/serve-run.sh [SECONDS]     (default 60)
# The harness links the server's Hummingbird-free request files against UnmaskKernels,
# UnmaskSampling and UnmaskTokenizer (an `Unmask` module re-exporting them stands in for the
# umbrella), so no web framework is built with the sanitizers.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
out=Fuzz/.build-serve
mkdir -p "$out" Fuzz/corpus-serve
flags=(-O -sanitize=fuzzer,address -parse-as-library -swift-version 5)
lib() {  # lib NAME SOURCES...
  local name=$1; shift
  swiftc "${flags[@]}" -emit-module -emit-library -static -module-name "$name" -I "$out" \
    -I Sources/CBLAS "$@" -emit-module-path "$out/$name.swiftmodule" -o "$out/lib$name.a"
}
lib UnmaskKernels $(find Sources/UnmaskKernels -name '*.swift')
lib UnmaskSampling $(find Sources/UnmaskSampling -name '*.swift')
lib UnmaskTokenizer $(find Sources/UnmaskTokenizer -name '*.swift')
printf '@_exported import UnmaskKernels\n@_exported import UnmaskSampling\n@_exported import UnmaskTokenizer\n' \
  > "$out/Unmask.swift"
lib Unmask "$out/Unmask.swift"
s=Sources/UnmaskServer
swiftc "${flags[@]}" -module-name UnmaskServer -I "$out" -I Sources/CBLAS \
  $s/APIError.swift $s/BodyDecoding.swift $s/CompletionRequest.swift $s/SamplerOverrides.swift \
  $s/CompletionOutput.swift Fuzz/ServeRequestFuzz.swift \
  -L "$out" -lUnmask -lUnmaskTokenizer -lUnmaskSampling -lUnmaskKernels -lopenblas \
  -o "$out/serve-fuzz"
# Seeds: bodies of every shape the endpoints take.
python3 - <<'PY'
import json
seeds = {
  "completion": {"model": "tiny-llada-trained", "prompt": "Once upon", "max_tokens": 8,
                 "steps": 4, "stop": [".", "\n"], "seed": 3, "temperature": 0},
  "tokens": {"prompt": [[1, 2, 3], [4, 5]], "max_tokens": 16, "block_length": 8, "steps": 4,
             "strategy": "threshold", "threshold": 0.5, "stream": True, "stream_steps": True},
  "chat": {"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
           "max_tokens": 8, "steps": 2, "schedule": "explicit", "explicit_counts": [4, 4],
           "preset": "fast-dllm", "early_stop": False},
  "remdm": {"prompt": [7], "max_tokens": 32, "steps": 32, "strategy": "remdm", "eta": 0.1,
            "remdm_schedule": "loop", "top_k": 5, "top_p": 0.9, "alg_temp": 0.5, "n": 1,
            "stream_options": {"include_usage": True}},
}
for name, body in seeds.items():
    open(f"Fuzz/corpus-serve/{name}", "w").write(json.dumps(body))
PY
"$out/serve-fuzz" -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 \
  -print_final_stats=1 Fuzz/corpus-serve 2>&1 | grep -vE "^(#[0-9]+ +(NEW|REDUCE|pulse)|\"|###)" | tail -15
