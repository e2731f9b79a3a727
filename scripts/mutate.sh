#!/usr/bin/env bash
# Plants known bugs, one at a time, into a copy of the project and checks that the tests meant
# to catch each one fail ("killed"). Exits non-zero when a mutant survives, when a mutant no
# longer applies (its source line changed: update the list below), or when the tests fail on
# the unmutated copy.
#   scripts/mutate.sh [NAME...]      (default: every mutant; names as in the list below)
# The copy lives in ${MUTATE_DIR:-/tmp/unmask-mutate} (its .build is kept between runs, so a
# second run only rebuilds what each mutant touches); this checkout is never modified.
# Set MUTATE_FULL=1 to run the whole suite per mutant instead of the targeted filters.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${MUTATE_DIR:-/tmp/unmask-mutate}"

# name | file | exact text | replacement | tests (swift test --filter regex)
# Each text must occur exactly once in its file.
mutants=(
  "llada-temperature-ignored|Sources/UnmaskSampling/TokenProposer.swift|/ (settings.temperature == 1 ? noise : pow(noise, settings.temperature))|/ noise|TemperatureTests"
  "dream-temperature-ignored|Sources/UnmaskSampling/TokenProposer.swift|for j in 0..<v { work[j] = row[j] / t }|for j in 0..<v { work[j] = row[j] }; _ = t|TemperatureTests"
  "rmsnorm-eps-div-10|Sources/UnmaskModels/LLaDA.swift|let eps = Float(config.rmsNormEps)|let eps = Float(config.rmsNormEps) / 10|logitsMatchTheReferenceModelingCode"
  "q8_0-truncation|Sources/UnmaskKernels/Quantization.swift|(x[j] * inverse).rounded(.toNearestOrAwayFromZero)|(x[j] * inverse).rounded(.towardZero)|quantizationRoundTripStaysWithinHalfAStep|quantizedBlocksMatchGGUFByteForByte|quantizedWeightsStayWithinTheBlockErrorBound|pythonReaderMatchesTheSwiftWriter"
  "q4_0-truncation|Sources/UnmaskKernels/Quantization.swift|let lo = UInt8(min(15, max(0, Int(x[j] * inverse + 8.5))))|let lo = UInt8(min(15, max(0, Int(x[j] * inverse + 8))))|quantizationRoundTripStaysWithinHalfAStep|quantizedBlocksMatchGGUFByteForByte|pythonReaderMatchesTheSwiftWriter"
  "commit-remainder-to-last-steps|Sources/UnmaskSampling/CommitCounter.swift|counts[i % n] += 1|counts[n - 1 - i % n] += 1|GoldenTests|ScheduleTests"
  "dream-count-rounds-not-truncates|Sources/UnmaskSampling/CommitCounter.swift|return min(max(Int(expected), 0), maskedNow)|return min(max(Int(expected.rounded()), 0), maskedNow)|GoldenTests|ScheduleTests"
  "top-k-keeps-one-fewer|Sources/UnmaskSampling/TokenProposer.swift|let kth = kthBuffer[k - 1]|let kth = kthBuffer[max(k - 2, 0)]|GoldenTests|TemperatureTests|TorchTopKTests"
  "dream-shift-dropped|Sources/UnmaskModels/Dream.swift|(base + v).update(from: base, count: (logits.rows - 1) * v)|_ = base|logitsMatchTheReferenceModelingCode|ReferenceGenerationTests"
)

log() { printf '%s\n' "$*" | tee -a "$work/mutate.log"; }

mkdir -p "$work/src"
: >"$work/mutate.log"
: >"$work/build.log"
: >"$work/test.log"
# Fresh sources every run: the files git tracks or would track (ignored build outputs left
# out), with their modification times, so the kept .build only rebuilds what changed.
find "$work/src" -mindepth 1 -maxdepth 1 ! -name .build -exec rm -rf {} +
(cd "$root" && git ls-files -z --cached --others --exclude-standard \
  | xargs -0 -I{} sh -c 'test -e "{}" && printf "%s\0" "{}"' \
  | tar --null -T - -cf -) | tar -xf - -C "$work/src"
cd "$work/src" || exit 2
[ -d .build ] || { [ -d "$root/.build/checkouts" ] && mkdir -p .build && cp -r "$root/.build/checkouts" "$root/.build/repositories" .build/ 2>/dev/null; }

selected=("$@")
want() {
  [ ${#selected[@]} -eq 0 ] && return 0
  local s
  for s in "${selected[@]}"; do [ "$s" = "$1" ] && return 0; done
  return 1
}

# Replaces the one occurrence of $2 with $3 in file $1; exit 3 when it is not there exactly once.
plant() {
  python3 - "$1" "$2" "$3" <<'PY'
import sys
path, old, new = sys.argv[1:]
text = open(path).read()
if text.count(old) != 1:
    sys.exit(3)
open(path, "w").write(text.replace(old, new))
PY
}

run_tests() {  # $1 = filter regex; returns swift test's status (0 = all passed)
  swift build --build-tests >>"$work/build.log" 2>&1 || return 90
  if [ "${MUTATE_FULL:-0}" = 1 ]; then
    swift test --skip-build >>"$work/test.log" 2>&1
  else
    swift test --skip-build --filter "$1" >>"$work/test.log" 2>&1
  fi
}

# The unmutated copy must pass every filter used below.
filters=$(for m in "${mutants[@]}"; do
  IFS='|' read -r name _ _ _ tests <<<"$m"
  want "$name" && printf '%s|' "$tests"
done)
filters="${filters%|}"
log "baseline: swift test --filter '$filters'"
run_tests "$filters"
status=$?
if [ $status -ne 0 ]; then
  log "baseline FAILED (status $status; see $work/build.log, $work/test.log): no mutant result means anything"
  exit 2
fi

killed=0 survived=0 broken=0
for m in "${mutants[@]}"; do
  IFS='|' read -r name file old new tests <<<"$m"
  want "$name" || continue
  cp "$file" "$file.orig"
  if ! plant "$file" "$old" "$new"; then
    log "NOT APPLIED  $name: '$old' is not in $file exactly once"
    broken=$((broken + 1))
    rm -f "$file.orig"
    continue
  fi
  start=$SECONDS
  run_tests "$tests"
  status=$?
  mv "$file.orig" "$file"
  if [ $status -eq 90 ]; then
    log "BUILD FAILED $name (the mutant does not compile; see $work/build.log)"
    broken=$((broken + 1))
  elif [ $status -ne 0 ]; then
    log "killed       $name ($((SECONDS - start)) s; tests: $tests)"
    killed=$((killed + 1))
  else
    log "SURVIVED     $name (tests: $tests)"
    survived=$((survived + 1))
  fi
done
log "mutants: $killed killed, $survived survived, $broken not applied or not compiling"
[ $survived -eq 0 ] && [ $broken -eq 0 ]
