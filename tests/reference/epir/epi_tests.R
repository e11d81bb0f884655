# epiR::epi.tests on 2x2 tables: SPUTOVAMO-R2 (Schouten et al. 2017; methodology.md section 2),
# pROC's aSAH data dichotomised (s100b >= 0.3, wfns >= 3) and a table with small cells.
# epi.tests(c(TP, FP, FN, TN)) reads the vector by row (Test+ row: TP, FP; Test- row: FN, TN).
# Interval methods: "exact" (Clopper-Pearson), "wilson", "agresti" (Agresti-Coull).
# Run from the repository root: Rscript tests/reference/epir/epi_tests.R
suppressPackageStartupMessages({library(epiR); library(jsonlite); library(pROC)})
data(aSAH)
y <- as.integer(aSAH$outcome == "Poor")
cells <- function(pos) c(tp = sum(pos & y == 1), fp = sum(pos & y == 0), fn = sum(!pos & y == 1),
                         tn = sum(!pos & y == 0))
tables <- list(sputovamo = c(tp = 9, fp = 99, fn = 52, tn = 5432),
               asah_s100b_0.3 = cells(aSAH$s100b >= 0.3),
               asah_wfns_3 = cells(as.numeric(as.character(aSAH$wfns)) >= 3),
               small = c(tp = 3, fp = 1, fn = 2, tn = 12))
keep <- c(se = "sensitivity", sp = "specificity", pv.pos = "ppv", pv.neg = "npv", diag.ac = "accuracy",
          lr.pos = "lr_positive", lr.neg = "lr_negative", diag.or = "dor", youden = "youden")
out <- lapply(tables, function(tab) {
  res <- lapply(c(exact = "exact", wilson = "wilson", agresti = "agresti"), function(m) {
    d <- epi.tests(unname(tab[c("tp", "fp", "fn", "tn")]), method = m, conf.level = 0.95)$detail
    d <- d[d$statistic %in% names(keep), ]
    setNames(lapply(seq_len(nrow(d)), function(i) list(estimate = d$est[i], ci_low = d$lower[i],
                                                       ci_high = d$upper[i])),
             keep[d$statistic])
  })
  list(cells = as.list(tab), methods = res)
})
write_json(list(tables = out,
                versions = list(R = R.version.string, epiR = as.character(packageVersion("epiR")))),
           "tests/reference/epir/epi_tests.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
