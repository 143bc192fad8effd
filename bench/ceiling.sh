#!/usr/bin/env bash
# bench/ceiling.sh [DIR] - the machine's storage ceiling, printed beside the bench figures:
# how many "write 4 KiB + fsync + rename into new/ + fsync dir" operations per second the file
# system holding DIR (default: the bench's work dir, where both peers keep their data) does,
# with 1 thread and with 8 (FsCeiling.java). No durable MTA can deliver faster than this;
# one that fsyncs a queue file too (Postfix, and Tern's spool) needs two such rounds per message.
# REPS runs of SECS seconds each (3 x 10 s; QUICK=1: 1 x 3 s); prints the median per thread count
# on stdout, every run on stderr.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
DIR=${1:-$BENCH_WORK}
QUICK=${QUICK:-0}
REPS=${REPS:-$([ "$QUICK" = 1 ] && echo 1 || echo 3)}
SECS=${SECS:-$([ "$QUICK" = 1 ] && echo 3 || echo 10)}
mkdir -p "$DIR"
W=$(mktemp -d "$DIR/ceiling.XXXXXX")
trap 'rm -rf "$W"' EXIT
log "storage ceiling on $(findmnt -no SOURCE,FSTYPE,OPTIONS --target "$W" | head -1): $REPS x $SECS s per thread count"
for t in 1 8; do
  vals=()
  for r in $(seq "$REPS"); do
    sync
    out=$(java "$BENCH_DIR/FsCeiling.java" "$W/fs" "$t" "$SECS" 4096)
    log "ceiling rep=$r $out"
    vals+=("$(sed -n 's/.*ops_per_s=\([0-9]*\).*/\1/p' <<<"$out")")
  done
  sorted=($(printf '%s\n' "${vals[@]}" | sort -n))
  med=${sorted[$(( ${#sorted[@]} / 2 ))]}
  echo "storage ceiling, $t thread$([ "$t" = 1 ] || echo s): $med ops/s$([ "$REPS" -gt 1 ] && echo " (${sorted[0]}-${sorted[-1]})" || true)"
done
