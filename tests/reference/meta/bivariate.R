# Bivariate random-effects meta-analysis of sensitivity and specificity: reference fits.
# - Reitsma et al. (2005, J Clin Epidemiol 58:982-990): metafor::rma.mv on the stacked logits, REML,
#   unstructured between-study covariance; 0.5 added to every cell of a table with a zero cell.
# - Chu & Cole (2006, J Clin Epidemiol 59:1331-1332): lme4::glmer, binomial, Laplace (nAGQ = 1);
#   Wald intervals from vcov() (the finite-difference Hessian of the deviance, lme4's default).
# Data: AuditC (Kriston L, Hoelzel L, Weiser AK, Berner MM, Haerter M (2008). Meta-analysis: are 3
# questions enough to detect unhealthy alcohol use? Ann Intern Med 149(12):879-888; the counts as
# shipped in the R package mada), and simulated data (set.seed below).
# Run from the repository root: Rscript tests/reference/meta/bivariate.R
suppressPackageStartupMessages({library(metafor); library(lme4); library(jsonlite); library(ellipse)})

auditc <- data.frame(
  tp = c(47, 126, 19, 36, 130, 84, 68, 752, 59, 142, 137, 57, 34, 152),
  fn = c(9, 51, 10, 3, 19, 2, 0, 0, 5, 50, 24, 3, 1, 51),
  fp = c(101, 272, 12, 78, 211, 68, 112, 3226, 55, 571, 107, 103, 21, 88),
  tn = c(738, 1543, 192, 276, 959, 89, 423, 2977, 136, 2788, 358, 437, 56, 264))

simulate <- function(k, n1, n0, mu, tau, rho) {
  S <- matrix(c(tau[1]^2, rho * tau[1] * tau[2], rho * tau[1] * tau[2], tau[2]^2), 2)
  re <- MASS::mvrnorm(k, mu, S)
  n1 <- sample(n1, k, replace = TRUE); n0 <- sample(n0, k, replace = TRUE)
  tp <- rbinom(k, n1, plogis(re[, 1])); tn <- rbinom(k, n0, plogis(re[, 2]))
  data.frame(tp = tp, fn = n1 - tp, fp = n0 - tn, tn = tn)
}
set.seed(20261206)
cases <- list(
  auditc = auditc,
  simulated_30 = simulate(30, 20:200, 200:2000, c(1.2, 1.8), c(0.5, 0.7), -0.5),
  simulated_boundary = simulate(12, 5:15, 30:80, c(2.5, 2.0), c(0.6, 0.5), -0.3),
  simulated_zero_cells = simulate(16, 5:25, 20:60, c(2.2, 1.8), c(0.9, 0.8), -0.4),
  simulated_few = simulate(4, 30:80, 100:300, c(1.0, 1.5), c(0.4, 0.4), -0.2))
# organisations without positives (or negatives) add one row only: their other outcome is absent
cases$missing_outcome <- rbind(cases$simulated_30, data.frame(tp = c(0, 30), fn = c(0, 10), fp = c(40, 0),
                                                              tn = c(400, 0)))

z <- qnorm(0.975)
lvl <- 0.95

reml <- function(d) {
  n1 <- d$tp + d$fn; n0 <- d$tn + d$fp
  # a zero among the cells of an outcome the organisation has: 0.5 added to every cell of its table
  zero <- (n1 > 0 & (d$tp == 0 | d$fn == 0)) | (n0 > 0 & (d$tn == 0 | d$fp == 0))
  a <- d + 0.5 * zero
  long <- data.frame(study = rep(seq_len(nrow(d)), each = 2),
                     outcome = factor(rep(c("sens", "spec"), nrow(d)), levels = c("sens", "spec")),
                     yi = as.vector(rbind(log(a$tp / a$fn), log(a$tn / a$fp))),
                     vi = as.vector(rbind(1 / a$tp + 1 / a$fn, 1 / a$tn + 1 / a$fp)),
                     n = as.vector(rbind(n1, n0)))
  long <- long[long$n > 0, ]
  fit <- rma.mv(yi, vi, mods = ~ outcome - 1, random = ~ outcome | study, struct = "UN",
                data = long, method = "REML",
                # metafor's default nlminb stops ~1e-6 from the optimum; Nelder-Mead run to 1e-15 gets closer
                control = list(optimizer = "optim", optmethod = "Nelder-Mead", reltol = 1e-15, maxit = 1e5))
  mu <- as.vector(coef(fit)); V <- unname(as.matrix(vcov(fit)))
  Sigma <- unname(fit$G)
  list(fit = fit, mu = mu, vcov = V, Sigma = Sigma,
       out = list(mu = mu, vcov = V, ci_low = fit$ci.lb, ci_high = fit$ci.ub,
                  tau2 = fit$tau2, rho = fit$rho, loglik = as.numeric(logLik(fit)),
                  corrected = which(zero) - 1))
}

# lme4's PIRLS stops on a relative change of the penalised deviance below tolPwrss (default 1e-7) and
# evaluates the Laplace log-determinant with the weights of the penultimate iterate; with large
# organisations at extreme proportions (AuditC) that moves its optimum by ~1e-3 on the logit scale.
# tolPwrss = 1e-10 removes that; "glmm_lme4_defaults" keeps the fit with lme4's defaults.
glmm <- function(d, tolPwrss = 1e-10) {
  long <- data.frame(org = factor(rep(seq_len(nrow(d)), each = 2)),
                     se = rep(c(1, 0), nrow(d)), sp = rep(c(0, 1), nrow(d)),
                     x = as.vector(rbind(d$tp, d$tn)), n = as.vector(rbind(d$tp + d$fn, d$tn + d$fp)))
  long <- long[long$n > 0, ]
  fit <- glmer(cbind(x, n - x) ~ 0 + se + sp + (0 + se + sp | org), data = long, family = binomial,
               control = glmerControl(optimizer = "bobyqa", tolPwrss = tolPwrss, optCtrl = list(maxfun = 1e5),
                                     check.nobs.vs.nRE = "ignore"))  # organisations with one row
  mu <- unname(fixef(fit)); V <- unname(as.matrix(vcov(fit)))
  vc <- VarCorr(fit)$org
  sd <- unname(attr(vc, "stddev")); rho <- attr(vc, "correlation")[1, 2]
  Sigma <- unname(as.matrix(vc)); attr(Sigma, "stddev") <- NULL; attr(Sigma, "correlation") <- NULL
  se <- sqrt(diag(V))
  list(mu = mu, vcov = V, Sigma = matrix(as.vector(Sigma), 2),
       out = list(mu = mu, vcov = V, ci_low = mu - z * se, ci_high = mu + z * se, tau2 = sd^2, rho = rho,
                  loglik = as.numeric(logLik(fit)), singular = isSingular(fit),
                  messages = fit@optinfo$conv$lme4$messages))
}

# HSROC parameters (Harbord et al. 2007, Biostatistics 8:239-251), written with the false-positive
# rate as the second outcome as in Harbord et al.: mu_fpr = -mu_spec, cov(sens, fpr) = -cov(sens, spec).
hsroc <- function(mu, Sigma) {
  sa <- sqrt(Sigma[1, 1]); sb <- sqrt(Sigma[2, 2]); sab_fpr <- -Sigma[1, 2]; mu_fpr <- -mu[2]
  list(Theta = 0.5 * (sqrt(sb / sa) * mu[1] + sqrt(sa / sb) * mu_fpr),
       Lambda = sqrt(sb / sa) * mu[1] - sqrt(sa / sb) * mu_fpr,
       beta = log(sb / sa),
       sigma2_theta = 0.5 * (sa * sb + sab_fpr),
       sigma2_alpha = 2 * (sa * sb - sab_fpr))
}

regions <- function(r) {
  # ellipse::ellipse: radius sqrt(qchisq(level, 2)), npoints points from angle 0
  conf <- ellipse(r$vcov, centre = r$mu, level = lvl, npoints = 24)
  pred <- ellipse(r$Sigma + r$vcov, centre = r$mu, level = lvl, npoints = 24)
  list(confidence = list(logit_sens = unname(conf[, 1]), logit_spec = unname(conf[, 2])),
       prediction = list(logit_sens = unname(pred[, 1]), logit_spec = unname(pred[, 2])))
}

out <- lapply(cases, function(d) {
  r <- reml(d); g <- glmm(d); g0 <- glmm(d, tolPwrss = 1e-7)
  res <- list(counts = as.list(d), reml = c(r$out, list(hsroc = hsroc(r$mu, r$Sigma), regions = regions(r))))
  res$glmm <- c(g$out, list(hsroc = hsroc(g$mu, g$Sigma), regions = regions(g)))
  res$glmm_lme4_defaults <- g0$out
  res
})
write_json(list(level = lvl, cases = out,
                versions = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                                lme4 = as.character(packageVersion("lme4")),
                                ellipse = as.character(packageVersion("ellipse")))),
           "tests/reference/meta/bivariate.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
