#!/usr/bin/env bash
# Runs the test suite under AddressSanitizer + UndefinedBehaviorSanitizer, then under
# ThreadSanitizer, each in its own scratch folder (.build-asan, .build-tsan; git-ignored) so
# neither rebuilds the plain .build. Exits non-zero when either run fails or reports.
#   scripts/sanitize.sh [asan|tsan|both] [extra swift test arguments, e.g. --filter Suite]
# Logs: .build-asan/sanitize.log, .build-tsan/sanitize.log (the summary line is printed).
set -uo pipefail
cd "$(dirname "$0")/.."
which="${1:-both}"
[ $# -gt 0 ] && shift
# Reports go to the log and fail the process: ASan/UBSan stop at the first error (UBSan is
# made fatal, or it would only print), TSan exits non-zero at the end when it saw a race.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=0:second_deadlock_stack=1}"
status=0
run() {
  local name="$1" scratch="$2"
  shift 2
  mkdir -p "$scratch"
  local log="$scratch/sanitize.log" start=$SECONDS
  echo "== $name: swift test $* --scratch-path $scratch (log: $log)"
  swift test --scratch-path "$scratch" "$@" >"$log" 2>&1
  local rc=$?
  local reports
  reports=$(grep -cE "^(==[0-9]+==ERROR|WARNING: ThreadSanitizer|SUMMARY: (Address|UndefinedBehavior|Thread)Sanitizer)|runtime error:" "$log")
  echo "$name: exit $rc, $((SECONDS - start)) s, sanitizer reports: $reports"
  grep -E "^(✔|✘|􀟈|􁁛|􀢄).*(Test run|tests? in)|Executed .* tests" "$log" | tail -2
  [ "$rc" -eq 0 ] && [ "$reports" -eq 0 ] || status=1
}
case "$which" in
  # swiftc on Linux refuses -sanitize=undefined ("unsupported option"), so UBSan covers the C
  # targets (-Xcc; its runtime is part of ASan's) and ASan covers everything. Where swiftc takes
  # it (macOS), SANITIZE_SWIFT_UBSAN=1 adds --sanitize=undefined for the Swift code too.
  asan | both)
    extra=(-Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=undefined)
    [ "${SANITIZE_SWIFT_UBSAN:-0}" = 1 ] && extra+=(--sanitize=undefined)
    run "ASan+UBSan" .build-asan --sanitize=address "${extra[@]}" "$@"
    ;;&
  tsan | both) run "TSan" .build-tsan --sanitize=thread "$@" ;;
  asan) ;;
  *) echo "usage: scripts/sanitize.sh [asan|tsan|both] [swift test arguments]" >&2; exit 2 ;;
esac
exit $status
