# Cohen's kappa and weighted kappa (psych::cohen.kappa point estimates) for two cases:
#  - fleiss1969: the 3-category table of Fleiss, Cohen & Everitt (1969), as in psych's
#    cohen.kappa examples, expanded to one row per rated subject (n = 200);
#  - bfi_a2_a3: items A2 and A3 of the bfi data (1-6), taken as two "raters", first 500 rows,
#    complete cases.
# psych's weights are agreement weights: quadratic 1 - (i - j)^2 / (k - 1)^2 (its default) and
# linear 1 - |i - j| / (k - 1). Only the point estimates are used: psych's variance of weighted
# kappa is not the Fleiss-Cohen-Everitt one (kept here as psych_* for the record).
# Run from the repository root: Rscript tests/reference/psych/kappa.R
suppressPackageStartupMessages({library(psych); library(jsonlite)})
one <- function(r1, r2, levels) {
  k <- length(levels)
  d <- abs(outer(seq_len(k), seq_len(k), "-"))
  q <- cohen.kappa(cbind(r1, r2), levels = levels)
  l <- cohen.kappa(cbind(r1, r2), w = 1 - d / (k - 1), levels = levels)
  list(inputs = list(rater1 = r1, rater2 = r2, levels = levels),
       expected = list(kappa = q$kappa, weighted_kappa_quadratic = q$weighted.kappa,
                       weighted_kappa_linear = l$weighted.kappa,
                       psych_var_kappa = q$var.kappa, psych_var_weighted_quadratic = q$var.weighted,
                       n = q$n.obs))
}
fleiss <- matrix(c(106, 10, 4,
                   22, 28, 10,
                   2, 12, 6), ncol = 3, byrow = TRUE)
cells <- expand.grid(r1 = 1:3, r2 = 1:3)
counts <- fleiss[cbind(cells$r1, cells$r2)]
r1 <- rep(cells$r1, counts); r2 <- rep(cells$r2, counts)
x <- na.omit(bfi[1:500, c("A2", "A3")])
write_json(list(
  cases = list(fleiss1969 = one(r1, r2, 1:3),
               bfi_a2_a3 = one(as.integer(x$A2), as.integer(x$A3), 1:6)),
  versions = list(R = R.version.string, psych = as.character(packageVersion("psych")))),
  "tests/reference/psych/kappa.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
