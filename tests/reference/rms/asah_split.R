# pROC's aSAH data (113 patients with aneurysmal subarachnoid haemorrhage): a logistic model for poor
# outcome from s100b, age and WFNS grade fitted on the women (n = 71) and applied to the men (n = 42,
# 20 poor outcomes); the validation predictions are checked with rms::val.prob.
# Run from the repository root: Rscript tests/reference/rms/asah_split.R
suppressPackageStartupMessages({library(rms); library(pROC); library(jsonlite)})
source("tests/reference/rms/_calibration_stats.R")
data(aSAH)
aSAH$y <- as.integer(aSAH$outcome == "Poor")
aSAH$wfns_num <- as.integer(as.character(aSAH$wfns))
dev <- aSAH[aSAH$gender == "Female", ]
val <- aSAH[aSAH$gender == "Male", ]
fit <- glm(y ~ s100b + age + wfns_num, data = dev, family = binomial)
p <- unname(predict(fit, newdata = val, type = "response"))
y <- val$y
write_json(list(
  inputs = list(probability = p, reference = y),
  expected = calibration_expected(p, y),
  versions = list(R = R.version.string, rms = as.character(packageVersion("rms")),
                  pROC = as.character(packageVersion("pROC")))),
  "tests/reference/rms/asah_split.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
