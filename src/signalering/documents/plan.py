"""The sample-size plan of the next validation study (``signalering plan``, docs/planning.md): one
document, assembled from the statistics of :mod:`signalering.stats.planning`."""

from __future__ import annotations

from collections.abc import Sequence

from ..schema import SCHEMA_VERSION
from ..stats import planning


def accuracy_plan(
    sensitivity: float,
    specificity: float,
    prevalence: float,
    half_width: float,
    confidence: float = 0.95,
    *,
    methods: Sequence[str] = planning.PLAN_METHODS,
    verified_negatives_fraction: float | None = None,
    simulations: int | None = None,
    families: int | None = None,
    seed: int = 0,
    criteria: dict | None = None,
    interval_method: str = "wilson",
) -> dict:
    """The accuracy part of the plan: ``design``, one entry per method in ``methods`` (Buderer's
    normal approximation, the exact Clopper-Pearson search), ``partial_verification`` when only
    ``verified_negatives_fraction`` of screen-negatives get the reference standard, and
    ``assurance`` when ``simulations`` is given.

    The simulated study has ``families`` families, by default the plan's total: the partial
    verification's when a fraction is given, else the last method's (exact's unless only normal is
    asked for). ``criteria`` are the pre-registered lower bounds (``sensitivity_ci_low_min``,
    ``specificity_ci_low_min``) the simulation counts as met.
    """
    design = dict(
        sensitivity=sensitivity,
        specificity=specificity,
        prevalence=prevalence,
        half_width=half_width,
        confidence=confidence,
    )
    doc: dict = {"design": design}
    doc.update({m: planning.buderer_sample_size(**design, method=m).to_dict() for m in methods})
    f = verified_negatives_fraction
    if f is not None:
        doc["partial_verification"] = planning.partial_verification_sample_size(
            **design, verified_negatives_fraction=f
        ).to_dict()
    if simulations is not None:
        planned = doc["partial_verification" if f is not None else methods[-1]]["total"]
        doc["assurance"] = planning.assurance(
            families or planned,
            **design,
            verified_negatives_fraction=1.0 if f is None else f,
            criteria=criteria or {},
            simulations=simulations,
            seed=seed,
            interval_method=interval_method,
        ).to_dict()
    return doc


def risk_model_plan(
    prevalence: float,
    *,
    confidence: float = 0.95,
    oe_ci_width: float = 0.2,
    lp_normal: tuple[float, float] | None = None,
    slope_ci_width: float = 0.2,
    c_statistic: float | None = None,
    c_ci_width: float = 0.1,
    net_benefit: tuple[float, float, float] | None = None,
    nb_ci_width: float = 0.2,
) -> dict:
    """The risk-model part of the plan (Riley et al. 2021): ``criteria``, the O/E criterion and those
    whose anticipated values are given (calibration slope from the linear predictor's ``lp_normal``
    mean and SD, C-statistic, net benefit at ``(threshold, sensitivity, specificity)``), and ``n``,
    the largest of them."""
    criteria = [planning.riley_oe_sample_size(prevalence, oe_ci_width, confidence=confidence)]
    if lp_normal is not None:
        criteria.append(planning.riley_slope_sample_size(prevalence, *lp_normal, slope_ci_width, confidence))
    if c_statistic is not None:
        criteria.append(planning.riley_cstatistic_sample_size(c_statistic, prevalence, c_ci_width, confidence))
    if net_benefit is not None:
        threshold, sensitivity, specificity = net_benefit
        criteria.append(
            planning.riley_net_benefit_sample_size(
                sensitivity, specificity, prevalence, threshold, nb_ci_width, confidence
            )
        )
    return {"criteria": [c.to_dict() for c in criteria], "n": max(c.n for c in criteria)}


def plan_document(accuracy: dict | None = None, risk_model: dict | None = None) -> dict:
    """The plan as written by ``signalering plan``: ``schema_version``, the :func:`accuracy_plan`
    entries and ``risk_model`` (:func:`risk_model_plan`), each where given.

    >>> plan_document()
    {'schema_version': 1}
    """
    doc: dict = {"schema_version": SCHEMA_VERSION, **(accuracy or {})}
    if risk_model is not None:
        doc["risk_model"] = risk_model
    return doc
