# R's lowess (the smoother of rms::val.prob: iter = 0, delta = 0.01 * range) on risks with ties, as a
# score mapped to risks gives them: (a) 12 distinct risks, no value dominant; (b) one risk held by 75%
# of the records (the window around it has radius 0: R gives every tied record weight 1).
# Run from the repository root: Rscript tests/reference/rms/lowess_ties.R
suppressPackageStartupMessages(library(jsonlite))
set.seed(20261206)
smooth <- function(p, y) {
  f <- lowess(p, y, iter = 0, delta = 0.01 * diff(range(p)))
  keep <- !duplicated(f$x)
  list(x = f$x[keep], fit = f$y[keep])
}
values <- sort(runif(12, 0.01, 0.6))
p_a <- sample(values, 3000, replace = TRUE, prob = 12:1)
y_a <- rbinom(3000, 1, p_a)
p_b <- ifelse(runif(2000) < 0.75, 0.02, sample(values, 2000, replace = TRUE))
y_b <- rbinom(2000, 1, p_b)
case <- function(p, y) list(probability = p, reference = y, expected = smooth(p, y))
write_json(list(
  mapped_score = case(p_a, y_a),
  dominant_value = case(p_b, y_b),
  versions = list(R = R.version.string)),
  "tests/reference/rms/lowess_ties.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
