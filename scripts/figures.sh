#!/usr/bin/env bash
# Re-measures the figures quoted in the issues' closing notes, on this machine's release build.
# Usage: scripts/figures.sh [OUTPUT_DIR]   (default: target/figures). Takes about 10 minutes;
# keep the machine otherwise idle. Each file starts with the command and the load average.
set -u
cd "$(dirname "$0")/.."
cargo build --release --quiet
P=./target/release/parlab
F=${1:-target/figures}
mkdir -p "$F"
run() {
  local name=$1; shift
  { echo "### parlab $*"; uptime; } > "$F/$name.txt"
  "$P" "$@" --no-progress >> "$F/$name.txt" 2>> "$F/$name.err"
}
run i2-default run
run i2-noop100k run --workload noop --tasks 100000 --runs 3 \
  --approach sequential,threaded-sequential,thread-pool,rayon,async,async-inline,async-mt,process-pool,process-pool-chunked
run i2-noop10k-threads run --workload noop --tasks 10000 --approach threads,threaded-sequential,thread-pool --runs 3
run i2-io100k run --workload io --io-wait 1s --tasks 100000 --approach async,async-mt --runs 3 --warmup 0
run i2-io10k-threads run --workload io --io-wait 1s --tasks 10000 --approach threads,async --runs 3 --warmup 0
run i2-cpu16 run --workload cpu --tasks 16 --pool-size 2 --runs 5 \
  --approach sequential,threads,thread-pool,rayon,async-mt,process,process-pool,process-pool-chunked
run i3-noop2000 run --workload noop --tasks 2000 --runs 5 --approach process,process-pool,process-pool-chunked,thread-pool
run i6-cv-threads run --approach threads --runs 10 --no-baseline
( while :; do :; done ) & busy=$!
run i6-cv-threads-loaded run --approach threads --runs 10 --no-baseline
kill "$busy"
"$P" sweep --pool-sizes 1,2,4,8 --approach thread-pool,rayon,async-mt,process-pool --runs 5 \
  --chart "$F/sweep.png" > "$F/i6-sweep.txt" 2> "$F/i6-sweep.err"
"$P" demos > "$F/i4-demos.txt" 2> "$F/i4-demos.err"
# Progress on against off, with stderr on a terminal (script gives it a pty), interleaved.
for i in 1 2 3 4 5 6; do
  for mode in on off; do
    flag=""; [ "$mode" = off ] && flag="--no-progress"
    script -qc "$P run --workload cpu --tasks 8 --approach threads,thread-pool --no-baseline --runs 5 --format json $flag > $F/progress-$mode-$i.json" /dev/null > /dev/null
  done
done
echo "figures in $F"
