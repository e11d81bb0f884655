# The professional's judgement as comparator, on pROC's aSAH data (113 patients, 41 poor outcomes):
# the WFNS grade (1-5, a clinician's grading) plays the judgement, s100b or ndka the instrument.
# Case "ordinal": judgement = wfns, positive from grade 4, instrument s100b >= 0.22.
# Case "yes/no":  judgement = (wfns >= 2), positive from 1, instrument ndka >= 12.
# For each case: the 'either' (OR) and 'both' (AND) rules; sensitivity and specificity of every
# rule; McNemar (exact binom.test and mcnemar.test) of either/both/instrument against the judgement;
# the categorical NRI from the judgement to each rule (Pencina et al. 2008, by its definition) with
# the paired Wald standard errors; the logistic combination glm(y ~ judgement + score) fitted on the
# training folds (folds drawn here, stratified by outcome) with out-of-fold risks, its full-data
# coefficients, and pROC's paired DeLong test of the out-of-fold risks against the judgement;
# net benefit of every rule and of the combination (risk >= t) and the difference from the
# judgement's at t = 0.1 and 0.3 (Vickers & Elkin 2006, by the definition); the per-1000 counts at
# a prevalence of 3.4%.
# Run from the repository root: Rscript tests/reference/judgement/asah_judgement.R
suppressPackageStartupMessages({library(pROC); library(jsonlite)})
data(aSAH)
y <- as.integer(aSAH$outcome == "Poor")
wfns <- as.integer(as.character(aSAH$wfns))
K <- 5
set.seed(20261206)
fold <- integer(length(y))
for (cls in c(0, 1)) {
  idx <- which(y == cls)
  fold[idx] <- sample(rep(0:(K - 1), length.out = length(idx)))
}
thresholds <- c(0.1, 0.3)
prevalence <- 0.034
z <- qnorm(0.975)
ctl <- glm.control(epsilon = 1e-14, maxit = 100)  # converged to machine precision, as the library's fit

paired_diff <- function(a, b) {  # sens/spec-type paired difference mean(a) - mean(b) with Wald SE
  n <- length(a); bb <- sum(a & !b); cc <- sum(!a & b)
  list(estimate = (bb - cc) / n, se = sqrt((bb + cc - (bb - cc)^2 / n) / n^2), a_only = bb, b_only = cc)
}
mcn <- function(a, b) {  # a, b: "correct" on A / on B within one reference stratum
  bb <- sum(a & !b); cc <- sum(!a & b)
  tab <- matrix(c(sum(a & b), cc, bb, sum(!a & !b)), 2)
  list(correct_a_only = bb, correct_b_only = cc,
       exact_p = if (bb + cc > 0) binom.test(bb, bb + cc, 0.5)$p.value else 1,
       chisq_p = if (bb + cc > 0) mcnemar.test(tab, correct = TRUE)$p.value else NA)
}
nb <- function(treat, t) (sum(treat & y == 1) - t / (1 - t) * sum(treat & y == 0)) / length(y)

one_case <- function(name, judgement, positive_from, score, cutoff) {
  jp <- judgement >= positive_from
  ip <- score >= cutoff
  rules <- list(instrument = ip, either = jp | ip, both = jp & ip)
  oof <- numeric(length(y))
  for (k in 0:(K - 1)) {
    train <- fold != k
    fit <- glm(y ~ j + s, family = binomial, control = ctl, data = data.frame(y = y[train], j = judgement[train], s = score[train]))
    oof[!train] <- predict(fit, newdata = data.frame(j = judgement[!train], s = score[!train]), type = "response")
  }
  full <- glm(y ~ j + s, family = binomial, control = ctl, data = data.frame(y = y, j = judgement, s = score))
  rj <- roc(y, judgement, levels = c(0, 1), direction = "<", quiet = TRUE)
  rc <- roc(y, oof, levels = c(0, 1), direction = "<", quiet = TRUE)
  dl <- roc.test(rc, rj, method = "delong", paired = TRUE)
  rules$combination <- oof >= thresholds[1]
  versus <- lapply(rules, function(a) {
    ev <- paired_diff(a[y == 1], jp[y == 1])          # NRI events: up - down among events
    ne <- paired_diff(!a[y == 0], !jp[y == 0])        # NRI non-events: down - up among non-events
    list(sensitivity = mean(a[y == 1]), specificity = mean(!a[y == 0]),
         mcnemar_sensitivity = mcn(a[y == 1], jp[y == 1]),
         mcnemar_specificity = mcn(!a[y == 0], !jp[y == 0]),
         nri_events = ev$estimate, nri_events_se = ev$se,
         nri_nonevents = ne$estimate, nri_nonevents_se = ne$se,
         nri_total = ev$estimate + ne$estimate, nri_total_se = sqrt(ev$se^2 + ne$se^2),
         events_up = sum(a & !jp & y == 1), events_down = sum(!a & jp & y == 1),
         nonevents_up = sum(a & !jp & y == 0), nonevents_down = sum(!a & jp & y == 0))
  })
  net <- lapply(thresholds, function(t) {
    strat <- list(instrument = ip, either = jp | ip, both = jp & ip, combination = oof >= t)
    list(threshold = t, judgement = nb(jp, t),
         treat_all = (sum(y) - t / (1 - t) * sum(1 - y)) / length(y),
         net_benefit = lapply(strat, function(a) nb(a, t)),
         difference = lapply(strat, function(a) nb(a, t) - nb(jp, t)))
  })
  e <- versus$either
  d_sens <- e$nri_events; d_spec <- e$nri_nonevents
  per1000 <- list(cases_found = 1000 * prevalence * d_sens,
                  cases_found_ci = 1000 * prevalence * (d_sens + c(-1, 1) * z * e$nri_events_se),
                  flagged_wrongly = -1000 * (1 - prevalence) * d_spec,
                  flagged_wrongly_ci = sort(-1000 * (1 - prevalence) * (d_spec + c(-1, 1) * z * e$nri_nonevents_se)))
  list(name = name, judgement = judgement, score = score, positive_from = positive_from, cutoff = cutoff,
       expected = list(
         judgement_sensitivity = mean(jp[y == 1]), judgement_specificity = mean(!jp[y == 0]),
         oof = oof, coefficients = unname(coef(full)),
         auc_combination = as.numeric(auc(rc)), auc_judgement = as.numeric(auc(rj)),
         delong = list(difference = as.numeric(auc(rc)) - as.numeric(auc(rj)), z = unname(dl$statistic),
                       p_value = dl$p.value, ci_low = dl$conf.int[1], ci_high = dl$conf.int[2]),
         versus = versus, net_benefit = net, per_1000 = per1000))
}

cases <- list(one_case("ordinal", wfns, 4, aSAH$s100b, 0.22),
              one_case("yes/no", as.integer(wfns >= 2), 1, aSAH$ndka, 12))
write_json(list(inputs = list(reference = y, fold = fold, thresholds = thresholds, prevalence = prevalence),
                cases = cases,
                versions = list(R = R.version.string, pROC = as.character(packageVersion("pROC")))),
           "tests/reference/judgement/asah_judgement.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
