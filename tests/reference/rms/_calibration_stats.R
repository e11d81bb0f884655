# Shared by the rms reference cases: every calibration statistic signalering reports, from
# rms::val.prob where it has one and from the definitions (glm, Wald intervals) where it does not.
calibration_expected <- function(p, y) {
  v <- rms::val.prob(p, y, pl = FALSE)
  # val.prob's smooth, repeated so E50 (median) can be read off the same absolute errors.
  Sm <- lowess(p, y, iter = 0)
  cal.smooth <- approx(Sm, xout = p, ties = mean)$y
  er <- abs(p - cal.smooth)
  lp <- qlogis(p)
  # glm run to full convergence so the Wald intervals are the ones at the optimum
  ctl <- glm.control(epsilon = 1e-14, maxit = 100)
  citl <- glm(y ~ 1, offset = lp, family = binomial, control = ctl)
  recal <- glm(y ~ lp, family = binomial, control = ctl)
  ci_citl <- confint.default(citl)
  ci_recal <- confint.default(recal)
  O <- sum(y); E <- sum(p); n <- length(y)
  se_log_oe <- sqrt((1 - O / n) / O)
  # Hosmer-Lemeshow, deciles of predicted risk as ResourceSelection::hoslem.test groups them
  g <- 10
  cutyhat <- cut(p, breaks = unique(quantile(p, probs = seq(0, 1, 1 / g))), include.lowest = TRUE)
  obs <- xtabs(cbind(1 - y, y) ~ cutyhat)
  expect <- xtabs(cbind(1 - p, p) ~ cutyhat)
  hl <- sum((obs - expect)^2 / expect)
  ngroups <- nlevels(cutyhat)
  # exact c-statistic with DeLong interval (val.prob's C comes from lrm.fit, which may bin predictions)
  r <- pROC::roc(y, p, levels = c(0, 1), direction = "<", quiet = TRUE)
  auc_ci <- as.numeric(pROC::ci.auc(r, method = "delong"))
  list(
    n = n, events = O,
    auc_proc = auc_ci[2], auc_proc_ci = auc_ci[c(1, 3)],
    c_statistic = unname(v["C (ROC)"]), brier = unname(v["Brier"]),
    brier_scaled = 1 - unname(v["Brier"]) / (mean(y) * (1 - mean(y))),
    recalibration_intercept = unname(v["Intercept"]), calibration_slope = unname(v["Slope"]),
    emax = unname(v["Emax"]), e90 = unname(v["E90"]), ici = unname(v["Eavg"]), e50 = median(er),
    spiegelhalter_z = unname(v["S:z"]), spiegelhalter_p = unname(v["S:p"]),
    calibration_in_the_large = unname(coef(citl)[1]),
    calibration_in_the_large_ci = unname(ci_citl[1, ]),
    calibration_slope_glm = unname(coef(recal)[2]), calibration_slope_ci = unname(ci_recal[2, ]),
    recalibration_intercept_glm = unname(coef(recal)[1]),
    observed_expected = O / E,
    observed_expected_ci = (O / E) * exp(c(-1, 1) * qnorm(0.975) * se_log_oe),
    hosmer_lemeshow = list(statistic = hl, df = ngroups - 2,
                           p_value = 1 - pchisq(hl, ngroups - 2), groups = ngroups),
    lowess = list(x = Sm$x, y = Sm$y))
}
