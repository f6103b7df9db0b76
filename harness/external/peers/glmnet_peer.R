# glmnet on the l1bench solver protocol (docs/solver-protocol.md).
#
# usage: Rscript glmnet_peer.R problem.json
#
# Scalings (standardize = FALSE, intercept = FALSE, alpha = 1: pure L1, so glmnet's λ = l1bench's λ):
# - gaussian:     (1/2n) RSS + λ‖β‖₁                                   = l1bench lasso
# - binomial:     −(1/n) Σ [y01_i x_iᵀβ − log(1 + e^{x_iᵀβ})] + λ‖β‖₁,  y01 = (y + 1)/2
#                 = (1/n) Σ log(1 + exp(−y_i x_iᵀβ)) + λ‖β‖₁             = l1bench logistic
# - multinomial:  −(1/n) Σ log softmax(x_iᵀB)_{y_i} + λ Σ_j ‖B_j‖₁  (type.multinomial = "ungrouped")
#                 or λ Σ_j ‖B_j‖₂ ("grouped", = l1bench multinomial-group), B p×C, full C-class
#                 parametrization → x[c·p + j] = B[j, c].
# glmnet.control(fdev = 0) so that no path stops early. Black-box mode: one untimed warm-up fit
# at the loosest tolerance (thresh), then one fit per tolerance; path mode: one call with the
# whole λ sequence (glmnet's own warm-started path), every solution available at its end.
suppressPackageStartupMessages(library(glmnet))
options(warn = -1)

read_header <- function(path) {
  txt <- paste(readLines(path, warn = FALSE), collapse = "\n")
  if (requireNamespace("jsonlite", quietly = TRUE)) return(jsonlite::fromJSON(txt, simplifyVector = TRUE))
  stop("glmnet peer needs the R package jsonlite (apt-get install r-cran-jsonlite)")
}

fmt <- function(v) {
  s <- sprintf("%.17g", v)
  s[!is.finite(v)] <- "NaN"
  paste(s, collapse = ",")
}

emit <- function(fields, x) {
  cat(sprintf("{%s,\"x\":[%s]}\n", fields, fmt(x)))
  flush(stdout())
}

args <- commandArgs(trailingOnly = TRUE)
hp <- args[length(args)]
h <- read_header(hp)
d <- dirname(hp)
n <- h$n
p <- h$p
con <- file(file.path(d, h$files$X), "rb")
X <- matrix(readBin(con, "double", n * p, size = 8, endian = "little"), n, p)
close(con)
con <- file(file.path(d, h$files$y), "rb")
y <- readBin(con, "double", n, size = 8, endian = "little")
close(con)

glmnet.control(fdev = 0)
maxit <- as.integer(min(h$maxIter, 1e7))
if (h$datafit == "quadratic") {
  fam <- "gaussian"
  yy <- y
  tm <- "ungrouped"
} else if (h$datafit == "logistic") {
  fam <- "binomial"
  yy <- as.numeric(y > 0)
  tm <- "ungrouped"
} else if (h$datafit == "multinomial") {
  fam <- "multinomial"
  yy <- factor(y, levels = 0:(h$classes - 1))
  tm <- if (h$penalty$name == "group-l1") "grouped" else "ungrouped"
} else {
  stop(paste("glmnet peer: unsupported datafit", h$datafit))
}

fit_at <- function(lambda, thresh) {
  glmnet(X, yy, family = fam, lambda = lambda, alpha = 1, standardize = FALSE, intercept = FALSE,
         thresh = thresh, maxit = maxit, type.multinomial = tm)
}

# A fit that does not converge within maxit passes at its thresh (seen on multinomial-group/wine at
# 0.01·λ_max from thresh ~1e-17 on) makes glmnet drop that λ, and with a single λ its own
# matrix(fit$a0[seq(lmu * nc)], ...) then fails with an R error. NULL for such a fit (the message
# on stderr): black-box mode ends its tolerance sequence there, with the solutions already given;
# path mode reports an error message.
try_fit <- function(lambda, thresh) {
  tryCatch(fit_at(lambda, thresh), error = function(e) {
    message(sprintf("glmnet: no solution at thresh %g within maxit = %d passes (%s)", thresh, maxit, conditionMessage(e)))
    NULL
  })
}

# coefficients of the k-th λ of a fit, as l1bench's x
coefs <- function(fit, k) {
  if (fam == "multinomial") return(unlist(lapply(fit$beta, function(b) as.numeric(b[, k]))))
  as.numeric(fit$beta[, k])
}

# the fit clock: wall time, or this process's CPU time when L1BENCH_PEER_CLOCK=cpu (bench/peers-speed.ts)
now <- if (Sys.getenv("L1BENCH_PEER_CLOCK") == "cpu") function() { pt <- proc.time(); pt[["user.self"]] + pt[["sys.self"]] } else function() as.numeric(Sys.time())

if (!is.null(h$lambdas) && length(h$lambdas) > 0) {
  lambdas <- as.numeric(h$lambdas)
  # glmnet's thresh bounds squared coefficient changes: its KKT violation goes like √thresh
  thresh <- max((if (!is.null(h$params$pathTol)) as.numeric(h$params$pathTol) else 1e-10)^2, 1e-24)
  invisible(fit_at(lambdas[seq_len(min(2, length(lambdas)))], thresh))  # warm-up
  t0 <- now()
  fit <- try_fit(lambdas, thresh)
  t <- now() - t0
  if (is.null(fit)) {
    cat(sprintf("{\"type\":\"error\",\"message\":\"glmnet found no solution on the path at thresh %g within maxit = %d passes\"}\n", thresh, maxit))
    quit(save = "no", status = 0)
  }
  if (length(fit$lambda) != length(lambdas)) stop(sprintf("glmnet returned %d of %d path points (no convergence within maxit = %d passes at the next λ)", length(fit$lambda), length(lambdas), maxit))
  for (k in seq_along(lambdas)) emit(sprintf("\"type\":\"solution\",\"lambda\":%.17g,\"time\":%.17g", lambdas[k], t), coefs(fit, k))
} else {
  tols <- as.numeric(h$tolerances)
  invisible(try_fit(h$lambda, tols[1]))  # untimed warm-up fit
  emitted <- 0
  for (tol in tols) {
    t0 <- now()
    fit <- try_fit(h$lambda, tol)
    t <- now() - t0
    if (is.null(fit)) {
      if (emitted == 0) cat(sprintf("{\"type\":\"error\",\"message\":\"glmnet found no solution at thresh %g within maxit = %d passes\"}\n", tol, maxit))
      break
    }
    emit(sprintf("\"type\":\"solution\",\"tol\":%.17g,\"time\":%.17g", tol, t), coefs(fit, 1))
    emitted <- emitted + 1
  }
}
