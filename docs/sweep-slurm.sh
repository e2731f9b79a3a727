#!/bin/bash
# Run a sweep as a Slurm job array: each array task runs every N-th point of the grid
# (`unmask sweep` reads SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_MIN),
# writing its own results file; merge them when all tasks are done:
#
#   sbatch docs/sweep-slurm.sh sweeps/sudoku.json
#   unmask sweep merge results/shard-*.jsonl --out results/sudoku.jsonl
#   unmask sweep plot results/sudoku.jsonl --png results/sudoku.png --table results/sudoku.md
#
# Re-submitting resumes: points already in a shard's file are skipped.
#SBATCH --job-name=unmask-sweep
#SBATCH --array=0-7
#SBATCH --cpus-per-task=4
#SBATCH --mem=8G
#SBATCH --time=02:00:00
#SBATCH --output=results/slurm-%A_%a.log
set -euo pipefail
SWEEP=${1:?usage: sbatch docs/sweep-slurm.sh SWEEP.json}
mkdir -p results
unmask sweep "$SWEEP" --threads "${SLURM_CPUS_PER_TASK:-1}" \
  --out "results/shard-${SLURM_ARRAY_TASK_ID}.jsonl"
