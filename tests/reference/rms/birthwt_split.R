# External validation on a data set R ships (MASS::birthwt, Hosmer & Lemeshow's low birth weight
# data): a logistic model for low birth weight fitted on the white mothers (race == 1) and applied to
# the others (race 2 and 3, n = 93); the validation predictions are checked with rms::val.prob.
# Run from the repository root: Rscript tests/reference/rms/birthwt_split.R
suppressPackageStartupMessages({library(rms); library(MASS); library(jsonlite)})
source("tests/reference/rms/_calibration_stats.R")
dev <- birthwt[birthwt$race == 1, ]
val <- birthwt[birthwt$race != 1, ]
fit <- glm(low ~ age + lwt + smoke + ptl + ht + ui, data = dev, family = binomial)
p <- unname(predict(fit, newdata = val, type = "response"))
y <- val$low
write_json(list(
  inputs = list(probability = p, reference = y),
  expected = calibration_expected(p, y),
  versions = list(R = R.version.string, rms = as.character(packageVersion("rms")))),
  "tests/reference/rms/birthwt_split.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
