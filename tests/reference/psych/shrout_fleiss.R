# Shrout & Fleiss (1979) Table 2: 6 targets x 4 judges; the six ICC forms from psych::ICC.
# Run from the repository root: Rscript tests/reference/psych/shrout_fleiss.R
library(psych); library(jsonlite)
sf <- matrix(c(9, 2, 5, 8,
               6, 1, 3, 2,
               8, 4, 6, 8,
               7, 1, 2, 6,
               10, 5, 6, 9,
               6, 2, 4, 7), ncol = 4, byrow = TRUE,
             dimnames = list(NULL, c("j1", "j2", "j3", "j4")))
r <- ICC(sf, lmer = FALSE)
res <- r$results
write_json(list(
  inputs = list(ratings = as.data.frame(sf)),
  expected = list(
    icc = lapply(seq_len(nrow(res)), function(i) list(
      type = as.character(res$type[i]), estimate = res$ICC[i], f = res$F[i],
      df1 = res$df1[i], df2 = res$df2[i], p_value = res$p[i],
      ci_low = res$`lower bound`[i], ci_high = res$`upper bound`[i])),
    ms = list(bms = r$stats["MS", 1], jms = r$stats["MS", 2], ems = r$stats["MS", 3]),
    n_obs = r$n.obs, n_judge = r$n.judge),
  versions = list(R = R.version.string, psych = as.character(packageVersion("psych")))),
  "tests/reference/psych/shrout_fleiss.json", digits = NA, auto_unbox = TRUE, pretty = TRUE, dataframe = "columns", na = "null")
