# cutpointr on its own suicide data (532 people; dsi = depression screening score 0-11; 36 suicide
# attempts): optimal cut-points with maximize_metric / minimize_metric where the methods coincide
# with signalering.cutpoints. pos_class and direction are always given (cutpointr guesses them);
# break_ties = c returns every optimal cut-point.
# Run from the repository root: Rscript tests/reference/cutpointr/suicide.R
suppressPackageStartupMessages({library(cutpointr); library(jsonlite)})
data(suicide)
y <- as.integer(suicide$suicide == "yes")
suicide$neg_dsi <- -suicide$dsi  # for direction "<=" (our "lower"): a low score is the concern
run <- function(direction, method, metric, ..., x = "dsi") {
  cp <- cutpointr(x = suicide[[x]], class = suicide$suicide, pos_class = "yes", neg_class = "no", direction = direction,
                  method = method, metric = metric, break_ties = c, silent = TRUE, ...)
  list(cutpoints = as.numeric(cp$optimal_cutpoint[[1]]),
       sensitivity = as.numeric(cp$sensitivity[[1]]), specificity = as.numeric(cp$specificity[[1]]),
       metric_value = as.numeric(cp[[4]][[1]]))
}
cases <- list(
  youden = run(">=", maximize_metric, youden),
  sum_sens_spec = run(">=", maximize_metric, sum_sens_spec),
  roc01 = run(">=", minimize_metric, roc01),
  cost_fn10 = run(">=", minimize_metric, misclassification_cost, cost_fp = 1, cost_fn = 10),
  cost_fn3 = run(">=", minimize_metric, misclassification_cost, cost_fp = 1, cost_fn = 3),
  sens_given_spec_0.9 = run(">=", maximize_metric, sens_constrain, constrain_metric = specificity,
                            min_constrain = 0.9),
  spec_given_sens_0.9 = run(">=", maximize_metric, spec_constrain, constrain_metric = sensitivity,
                            min_constrain = 0.9),
  youden_lower = run("<=", maximize_metric, youden, x = "neg_dsi"),
  roc01_lower = run("<=", minimize_metric, roc01, x = "neg_dsi"))
write_json(list(inputs = list(score = suicide$dsi, reference = y), cases = cases,
                versions = list(R = R.version.string, cutpointr = as.character(packageVersion("cutpointr")))),
           "tests/reference/cutpointr/suicide.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
