#!/bin/bash
# Runs the default suite as a SLURM job array of 8 shards: task I runs the jobs at plan positions
# p with p % 8 = I − 1 (`l1bench bench --shard I/8`; the plan order is deterministic), each into
# its own database, so the tasks never share a file. Submit from the repository root:
#
#   sbatch harness/suites/slurm-example.sh
#
# then, once every task has finished, merge the shards into one results.db (job keys already in
# the target are kept; merging again adds nothing, so a re-run shard can be merged afterwards):
#
#   sbatch --dependency=afterok:<jobid> --wrap 'npx l1bench merge --into results.db shard-*.db'
#   # or simply: npx l1bench merge --into results.db shard-{1..8}.db
#
# A shard that failed or timed out can be resubmitted alone (sbatch --array=3 …): finished jobs
# already in its database are skipped. Adapt the resources to your cluster.
#SBATCH --job-name=l1bench
#SBATCH --array=1-8
#SBATCH --cpus-per-task=8
#SBATCH --mem=16G
#SBATCH --time=04:00:00
#SBATCH --output=l1bench-%A_%a.out

set -euo pipefail
npx l1bench bench --suite default --shard "${SLURM_ARRAY_TASK_ID}/8" --db "shard-${SLURM_ARRAY_TASK_ID}.db" \
  --workers "${SLURM_CPUS_PER_TASK:-8}" --quiet
