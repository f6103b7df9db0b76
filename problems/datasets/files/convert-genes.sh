#!/bin/sh
# Rebuilds problems/datasets/files/genes/ from the Debian Bioconductor packages (see SOURCES.md):
#   apt-get install -y r-base-core r-bioc-biobase r-bioc-all r-bioc-bladderbatch
#   sh problems/datasets/files/convert-genes.sh
# gzip -9 -n stores no name or time stamp, so the outputs are byte-for-byte reproducible.
set -eu
here=$(dirname "$0")
out="$here/genes"
mkdir -p "$out"
Rscript "$here/convert-genes.R" "$out"
for f in "$out"/*.expr.i16 "$out"/*.probes.txt "$out"/*.samples.tsv; do
  gzip -9 -n -f "$f"
done
ls -l "$out"
