# pROC on its own aSAH data (113 patients, 41 poor outcomes): AUC, DeLong variance and interval,
# 2x2 cells at every observed score, and partial AUC over specificity ranges (uncorrected and
# McClish-standardised), for s100b (continuous, ties), ndka (continuous) and wfns (ordinal 1-5).
# levels and direction are always given (pROC guesses them otherwise); thresholds are asked at the
# observed scores (pROC's own thresholds are midpoints).
# Run from the repository root: Rscript tests/reference/proc/asah.R
suppressPackageStartupMessages({library(pROC); library(jsonlite)})
data(aSAH)
y <- as.integer(aSAH$outcome == "Poor")
one_case <- function(x, direction) {
  # pROC direction "<": controls < cases, a record is positive when x >= threshold (our "higher");
  # ">": positive when x <= threshold (our "lower").
  r <- pROC::roc(y, x, levels = c(0, 1), direction = direction, quiet = TRUE)
  ci <- ci.auc(r, method = "delong", conf.level = 0.95)
  thr <- sort(unique(x))
  co <- coords(r, x = thr, input = "threshold",
               ret = c("threshold", "tp", "fp", "tn", "fn", "sensitivity", "specificity", "ppv", "npv"),
               transpose = FALSE)
  pauc <- function(range, correct) as.numeric(pROC::auc(r, partial.auc = range,
      partial.auc.focus = "specificity", partial.auc.correct = correct))
  list(score = x, direction = if (direction == "<") "higher" else "lower",
       expected = list(auc = as.numeric(ci[2]), ci_low = as.numeric(ci[1]), ci_high = as.numeric(ci[3]),
                       variance = var(r, method = "delong"),
                       coords = as.list(co),
                       partial_auc = list(
                         list(specificity = c(0.8, 1), estimate = pauc(c(1, 0.8), FALSE),
                              standardised = pauc(c(1, 0.8), TRUE)),
                         list(specificity = c(0.7, 0.9), estimate = pauc(c(0.9, 0.7), FALSE),
                              standardised = pauc(c(0.9, 0.7), TRUE)),
                         list(specificity = c(0.9, 1), estimate = pauc(c(1, 0.9), FALSE),
                              standardised = pauc(c(1, 0.9), TRUE)))))
}
cases <- list(s100b = one_case(aSAH$s100b, "<"),
              ndka = one_case(aSAH$ndka, "<"),
              wfns = one_case(as.numeric(as.character(aSAH$wfns)), "<"),
              s100b_lower = one_case(-aSAH$s100b, ">"))
write_json(list(inputs = list(reference = y), cases = cases,
                versions = list(R = R.version.string, pROC = as.character(packageVersion("pROC")))),
           "tests/reference/proc/asah.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
