# Agreeableness items A1-A5 of the bfi data (psych/psychTools), A1 reverse-keyed (7 - A1).
# Cronbach's alpha with Feldt interval (psych::alpha), McDonald's omega total from a one-factor
# ML model (psych::omega, fm = "ml"; also from psych::fa), and the six ICCs with the items taken as
# five "raters" of the first 250 participants, incomplete rows included in the inputs (psych::ICC is
# given na.omit(), the complete cases, as signalering uses).
# Run from the repository root: Rscript tests/reference/psych/bfi_agreeableness.R
suppressPackageStartupMessages({library(psych); library(jsonlite)})
x <- bfi[, paste0("A", 1:5)]
x$A1 <- 7 - x$A1
rownames(x) <- NULL
xc <- x[complete.cases(x), ]
a <- alpha(xc)
o <- suppressWarnings(suppressMessages(omega(xc, nfactors = 1, fm = "ml", plot = FALSE)))
f <- fa(xc, nfactors = 1, fm = "ml")
lam <- as.numeric(f$loadings[, 1]); psi <- as.numeric(f$uniquenesses)
sub <- x[1:250, ]
r <- ICC(na.omit(sub), lmer = FALSE)
res <- r$results
write_json(list(
  inputs = list(items = xc, ratings = sub),
  expected = list(
    alpha = list(estimate = a$total$raw_alpha, ci_low = a$feldt$lower.ci[[1]],
                 ci_high = a$feldt$upper.ci[[1]], n = nrow(xc), k = ncol(xc)),
    omega = list(omega_total = o$omega.tot, loadings = abs(lam), uniquenesses = psi,
                 omega_model_implied = sum(abs(lam))^2 / (sum(abs(lam))^2 + sum(psi))),
    icc_n_used = r$n.obs,
    icc = lapply(seq_len(nrow(res)), function(i) list(
      type = as.character(res$type[i]), estimate = res$ICC[i], f = res$F[i],
      df1 = res$df1[i], df2 = res$df2[i], p_value = res$p[i],
      ci_low = res$`lower bound`[i], ci_high = res$`upper bound`[i]))),
  versions = list(R = R.version.string, psych = as.character(packageVersion("psych")),
                  psychTools = as.character(packageVersion("psychTools")))),
  "tests/reference/psych/bfi_agreeableness.json", digits = NA, auto_unbox = TRUE, pretty = TRUE,
  dataframe = "columns", na = "null")
