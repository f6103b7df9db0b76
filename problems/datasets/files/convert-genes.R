# Converts the two Bioconductor microarray datasets that l1bench's gene-selection family uses
# into flat files (no R needed at run time). Run from the repository root with
#   sh problems/datasets/files/convert-genes.sh
# which calls this script and then compresses the outputs reproducibly (gzip -9 -n).
#
# Needs Debian's r-base-core, r-bioc-biobase, r-bioc-all (ALL 1.40.0) and r-bioc-bladderbatch
# (bladderbatch 1.36.0). For each dataset it writes into the output folder (argument 1):
#   NAME.expr.i16   expression matrix, probe-major (probe 1's n values, then probe 2's, …):
#                   little-endian int16, value = round(100 · expression) (log2 scale, 0.01 units)
#   NAME.probes.txt one probe (feature) name per line, in matrix order
#   NAME.samples.tsv header + one line per sample, in matrix order (sample id, annotations)
suppressMessages({
  library(Biobase)
  library(ALL)
  library(bladderbatch)
})
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1) stop("usage: Rscript convert-genes.R OUTPUT_DIR")
out <- args[[1]]

write_set <- function(name, eset, columns) {
  e <- exprs(eset)  # probes × samples
  if (any(!is.finite(e))) stop(paste(name, ": non-finite expression values"))
  q <- round(100 * e)
  if (max(abs(q)) > 32767) stop(paste(name, ": values out of int16 range at 0.01 resolution"))
  con <- file(file.path(out, paste0(name, ".expr.i16")), "wb")
  # t(e) is samples × probes; R stores it column-major, i.e. probe-major
  writeBin(as.integer(as.vector(t(q))), con, size = 2, endian = "little")
  close(con)
  writeLines(rownames(e), file.path(out, paste0(name, ".probes.txt")))
  pd <- pData(eset)
  tab <- data.frame(sample = colnames(e), stringsAsFactors = FALSE)
  for (c in columns) tab[[c]] <- as.character(pd[[c]])
  write.table(tab, file.path(out, paste0(name, ".samples.tsv")), sep = "\t", quote = FALSE, row.names = FALSE, na = "NA")
  cat(sprintf("%s: %d samples x %d probes, range %.3f..%.3f\n", name, ncol(e), nrow(e), min(e), max(e)))
}

data(ALL)
write_set("all", ALL, c("BT", "mol.biol"))
data(bladderdata)
write_set("bladderbatch", bladderEset, c("outcome", "batch", "cancer"))
