"""Reliability of rated observations: ICC, Cohen's (weighted) kappa, Bland-Altman, alpha and omega.

Every statistic comes back as a frozen dataclass whose undefined values are ``None`` with a
``reason`` beside them (never NaN), so ``to_dict()`` can go straight into ``reliability.json``
(docs/contract.md). Which ICC form to judge, and the thresholds the project uses, are discussed in
``docs/calibration-reliability.md`` and in the domain note *sensitivity-observation.md*; thresholds are
judged on interval bounds by ``report.verdict.flag_below`` (the one acceptance mechanism).

References
----------
Shrout & Fleiss (1979), Psychol Bull 86:420-428. McGraw & Wong (1996), Psychol Methods 1:30-46.
Cohen (1960), Educ Psychol Meas 20:37-46; Cohen (1968), Psychol Bull 70:213-220.
Fleiss, Cohen & Everitt (1969), Psychol Bull 72:323-327.
Fleiss (1971), Psychol Bull 76:378-382; Fleiss, Nee & Landis (1979), Psychol Bull 86:974-977;
Gwet (2008), Br J Math Stat Psychol 61:29-48.
Bland & Altman (1986), Lancet 327:307-310; Bland & Altman (1999), Stat Methods Med Res 8:135-160.
Cronbach (1951), Psychometrika 16:297-334; Feldt, Woodruff & Salih (1987), Appl Psychol Meas 11:93-103.
McDonald (1999), *Test theory: a unified treatment*; Revelle & Zinbarg (2009), Psychometrika 74:145-154.
Koo & Li (2016), J Chiropr Med 15:155-163.

One module per concern: ``intraclass`` (the ICC), ``kappa`` (Cohen's and Fleiss' kappa),
``agreement`` (Bland-Altman), ``consistency`` (alpha and omega), ``ratings`` (the wide ratings they
read) and ``summary`` (the body of ``reliability.json``); every public name is importable from here.
"""

from .agreement import BlandAltmanResult, bland_altman
from .consistency import AlphaResult, ItemMoments, OmegaResult, cronbach_alpha, mcdonald_omega
from .intraclass import ICC_TYPES, IccForm, IccTable, icc, icc_first_two, icc_long
from .kappa import (
    KAPPA_WEIGHTS,
    FleissKappaResult,
    KappaResult,
    agreement_weights,
    cohen_kappa,
    fleiss_kappa,
    kappa_from_table,
)
from .summary import reliability_summary

__all__ = [
    "ICC_TYPES",
    "KAPPA_WEIGHTS",
    "AlphaResult",
    "BlandAltmanResult",
    "FleissKappaResult",
    "IccForm",
    "IccTable",
    "ItemMoments",
    "KappaResult",
    "OmegaResult",
    "agreement_weights",
    "bland_altman",
    "cohen_kappa",
    "cronbach_alpha",
    "fleiss_kappa",
    "icc",
    "icc_first_two",
    "icc_long",
    "kappa_from_table",
    "mcdonald_omega",
    "reliability_summary",
]
