# Exports the aSAH data set shipped with R's pROC package (Robin et al. 2011, BMC Bioinformatics
# 12:77; data: Turck et al. 2010, Intensive Care Med 36:107-115; pROC is GPL (>= 3)) as asah.csv,
# and pROC's AUCs with DeLong intervals as asah_proc.json: the fixture of tests/e2e/test_own_data.py.
#   Rscript tests/e2e/data/asah.R    (run from the repository root; needs r-cran-proc)
suppressPackageStartupMessages(library(pROC))
data(aSAH)
here <- "tests/e2e/data"
out <- data.frame(case = rownames(aSAH), aSAH, check.names = FALSE)
write.csv(out, file.path(here, "asah.csv"), row.names = FALSE, quote = FALSE, na = "")
scores <- list(s100b = "<", ndka = "<", wfns = "<")   # controls < cases: higher = concern
fmt <- function(x) formatC(x, digits = 17, format = "g")
lines <- c()
for (s in names(scores)) {
  r <- roc(aSAH$outcome, aSAH[[s]], levels = c("Good", "Poor"), direction = scores[[s]], quiet = TRUE)
  ci <- ci.auc(r, method = "delong", conf.level = 0.95)
  lines <- c(lines, sprintf('  "%s": {"auc": %s, "ci_low": %s, "ci_high": %s}', s, fmt(as.numeric(auc(r))),
                            fmt(ci[1]), fmt(ci[3])))
}
writeLines(c("{", paste(lines, collapse = ",\n"), "}"), file.path(here, "asah_proc.json"))
cat(sprintf("pROC %s\n", as.character(packageVersion("pROC"))))
