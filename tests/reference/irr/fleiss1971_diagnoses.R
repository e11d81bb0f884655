# Fleiss' kappa of Fleiss (1971), Table 1 (30 patients x 6 raters, 5 diagnoses) with R's irr package:
# the estimate and the Fleiss, Nee & Landis (1979) z test under kappa = 0.
# The package irr is not installed on the project's build machine, so fleiss1971_diagnoses.json was
# written by hand from irr's printed output for this example (Kappa = 0.43, z = 17.7; to 7 digits
# 0.4302445 and 17.65183); running this script where irr is installed regenerates it.
# Run from the repository root: Rscript tests/reference/irr/fleiss1971_diagnoses.R
suppressPackageStartupMessages({library(irr); library(jsonlite)})
data(diagnoses)
codes <- sapply(diagnoses, as.integer)  # factor levels 1..5 as in Table 1
r <- kappam.fleiss(diagnoses)
write_json(list(
  source = paste("Fleiss JL (1971), Measuring nominal scale agreement among many raters, Psychol Bull",
                 "76:378-382, Table 1; irr's diagnoses data set"),
  expected = list(kappa = r$value, z = r$statistic[[1]], p_value = r$p.value, subjects = r$subjects,
                  raters = r$raters, how = "irr::kappam.fleiss(diagnoses)"),
  ratings = unname(split(codes, seq_len(nrow(codes))))),
  "tests/reference/irr/fleiss1971_diagnoses.json", auto_unbox = TRUE, digits = NA, pretty = TRUE)
