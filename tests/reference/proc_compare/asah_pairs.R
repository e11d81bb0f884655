# Paired comparison of markers on pROC's aSAH data (113 patients, 41 poor outcomes): DeLong's paired
# test and interval (pROC::roc.test(method = "delong", paired = TRUE)), pROC's DeLong covariance, and
# McNemar tests (stats::mcnemar.test with continuity correction; exact = binom.test on the discordant
# pairs) at one cut-off per marker among poor-outcome (sensitivity) and good-outcome (specificity)
# patients. Run from the repository root: Rscript tests/reference/proc_compare/asah_pairs.R
suppressPackageStartupMessages({library(pROC); library(jsonlite)})
data(aSAH)
y <- as.integer(aSAH$outcome == "Poor")
markers <- list(s100b = aSAH$s100b, ndka = aSAH$ndka, wfns = as.integer(as.character(aSAH$wfns)))
cutoffs <- list(s100b = 0.22, ndka = 12, wfns = 3)
pairs <- list(c("s100b", "ndka"), c("s100b", "wfns"), c("wfns", "ndka"))

mcn <- function(pa, pb) {
  tab <- table(factor(pa, levels = c(TRUE, FALSE)), factor(pb, levels = c(TRUE, FALSE)))
  b <- tab[1, 2]; c <- tab[2, 1]
  chi <- mcnemar.test(tab, correct = TRUE)
  list(a_only = b, b_only = c,
       chisq_statistic = unname(chi$statistic), chisq_p = chi$p.value,
       exact_p = if (b + c > 0) binom.test(b, b + c, 0.5)$p.value else 1)
}

cases <- lapply(pairs, function(p) {
  a <- markers[[p[1]]]; b <- markers[[p[2]]]
  ra <- roc(y, a, levels = c(0, 1), direction = "<", quiet = TRUE)
  rb <- roc(y, b, levels = c(0, 1), direction = "<", quiet = TRUE)
  t <- roc.test(ra, rb, method = "delong", paired = TRUE)
  sa <- a >= cutoffs[[p[1]]]; sb <- b >= cutoffs[[p[2]]]
  list(name_a = p[1], name_b = p[2], cutoff_a = cutoffs[[p[1]]], cutoff_b = cutoffs[[p[2]]],
       expected = list(auc_a = as.numeric(auc(ra)), auc_b = as.numeric(auc(rb)),
                       var_a = var(ra, method = "delong"), var_b = var(rb, method = "delong"),
                       cov = cov(ra, rb, method = "delong"),
                       z = unname(t$statistic), p_value = t$p.value,
                       ci_low = t$conf.int[1], ci_high = t$conf.int[2],
                       sensitivity = mcn(sa[y == 1], sb[y == 1]),
                       # specificity: "correct" = screen negative among good outcomes
                       specificity = mcn(!sa[y == 0], !sb[y == 0])))
})
write_json(list(inputs = list(reference = y, s100b = markers$s100b, ndka = markers$ndka, wfns = markers$wfns),
                cases = cases,
                versions = list(R = R.version.string, pROC = as.character(packageVersion("pROC")))),
           "tests/reference/proc_compare/asah_pairs.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
