"""Instrument specifications: the validated, immutable form of an instrument's YAML file.

A specification says which data columns an instrument reads, how the answers are coded, how a score
is computed from them (per *kind*), what to do with missing answers, which direction of the score
means concern, and which named cut-offs the evaluation stage should use. ``docs/instruments.md``
describes every field; ``build_spec`` turns the parsed YAML mapping into an ``InstrumentSpec`` and
refuses anything it does not understand with ``InputError(file=<spec file>, column=<field>)``.

The parts have their own modules: ``fields`` (reading one field), ``coding`` (answers, items, missing
answers, the gate), ``cutoffs`` (plain, banded, positive rules), ``risk`` (the risk mapping),
``questionnaire`` (scales and band sets) and ``kinds`` (the other kinds). Reading the YAML text lives
in :mod:`signalering.instruments.loading`; nothing here touches files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from signalering.instruments.coding import Coding, Gate, Item, MissingRule
from signalering.instruments.cutoffs import (
    BandedCutoff,
    Cutoff,
    PositiveRule,
    check_cutoffs,
    read_banded_cutoffs,
    read_cutoffs,
)
from signalering.instruments.fields import (
    DIRECTIONS,
    NAME_PATTERN,
    VERSION_PATTERN,
    Field,
    read_choice,
    read_references,
    read_text,
    type_name,
)
from signalering.instruments.kinds import (
    Component,
    Rater,
    build_checklist,
    build_combination,
    build_ordinal,
    build_probability,
    build_rater,
    build_score,
    build_signal_list,
)
from signalering.instruments.questionnaire import BandSet, Scale, build_questionnaire
from signalering.instruments.risk import RiskMapping, read_risk_mapping

KINDS = (
    "questionnaire",
    "risk_checklist",
    "signal_list",
    "ordinal_category",
    "rater_observation",
    "probability",
    "score",
    "combination",
)


@dataclass(frozen=True, slots=True)
class InstrumentSpec:
    """A validated instrument specification (see ``docs/instruments.md``).

    Only the fields that apply to ``kind`` are filled; the others keep their empty defaults.
    ``score_range`` is the interval every non-missing score lies in.
    """

    name: str
    version: int | str
    kind: str
    description: str
    direction: str
    cutoffs: tuple[Cutoff, ...]
    source_file: str
    references: tuple[str, ...]
    columns: tuple[str, ...]
    score_range: tuple[float, float]
    coding: Coding | None = None
    items: tuple[Item, ...] = ()
    missing: MissingRule = MissingRule()
    scales: tuple[Scale, ...] = ()
    score_scale: str | None = None
    band_sets: tuple[BandSet, ...] = ()
    column: str | None = None
    raters: tuple[Rater, ...] = ()
    consensus_column: str | None = None
    combine: str | None = None
    fallback: str | None = None
    min_ratings: int = 1
    rule: PositiveRule | None = None
    components: tuple[Component, ...] = ()
    risk_mapping: RiskMapping | None = None
    probability: bool = False
    banded_cutoffs: tuple[BandedCutoff, ...] = ()
    gate: Gate | None = None

    @property
    def id(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def is_probability(self) -> bool:
        """True when the score is itself a predicted risk in [0, 1]: kind ``probability``, or kind
        ``score`` declared with ``probability: true``. The calibration stage assesses such scores as
        they are."""
        return self.kind == "probability" or self.probability

    @property
    def rater_columns(self) -> tuple[str, ...]:
        return tuple(r.column for r in self.raters)

    @property
    def rater_id_columns(self) -> tuple[str, ...]:
        return tuple(r.id_column for r in self.raters if r.id_column is not None)

    def _named(self, entries: tuple, name: str, what: str, *, listed: bool) -> Any:
        """The entry of ``entries`` called ``name``; ``KeyError`` naming the spec (and, when ``listed``,
        the names it has) when there is none."""
        for entry in entries:
            if entry.name == name:
                return entry
        names = f"; it has {[e.name for e in entries]}" if listed else ""
        raise KeyError(f"{self.id} has no {what} named {name!r}{names}")

    def cutoff(self, name: str) -> Cutoff:
        """The cut-off called ``name``; ``KeyError`` when the spec has none by that name."""
        return self._named(self.cutoffs, name, "cut-off", listed=True)

    def banded_cutoff(self, name: str) -> BandedCutoff:
        """The banded cut-off called ``name``; ``KeyError`` when the spec has none by that name."""
        return self._named(self.banded_cutoffs, name, "banded cut-off", listed=True)

    @property
    def band_columns(self) -> tuple[str, ...]:
        """The records columns the banded cut-offs read (each once)."""
        return tuple(dict.fromkeys(c.column for c in self.banded_cutoffs))

    def scale(self, name: str) -> Scale:
        """The questionnaire scale called ``name``."""
        return self._named(self.scales, name, "scale", listed=False)

    def band_set(self, name: str) -> BandSet:
        """The band set called ``name``."""
        return self._named(self.band_sets, name, "band set", listed=False)


def header(data: Any, file: str) -> tuple[str, int | str, str]:
    """Name, version and kind of a parsed spec, validated (used to index files before building)."""
    root = Field(data, "", file)
    if not isinstance(data, Mapping):
        raise root.fail(f"a specification must be a mapping (key: value), not {type_name(data)}")
    for key in ("name", "version", "kind"):
        if not root.has(key):
            raise root.fail("required field is missing", key)
    name = read_text(root.child("name"))
    if not NAME_PATTERN.match(name):
        raise root.fail("must be lower-case letters, digits, '-' or '_' (it becomes part of the id)", "name")
    vf = root.child("version")
    if isinstance(vf.data, bool) or not isinstance(vf.data, (int, str)):
        raise vf.fail(
            "must be a whole number or text of letters, digits, '-' or '_' (no dots: "
            "the id becomes a key in reports/metrics.json)"
        )
    if isinstance(vf.data, int) and vf.data < 1:
        raise vf.fail("must be at least 1")
    if isinstance(vf.data, str) and not VERSION_PATTERN.match(vf.data):
        raise vf.fail("must be letters, digits, '-' or '_' (no dots: the id becomes a key in reports/metrics.json)")
    kind = read_choice(KINDS)(root.child("kind"))
    return name, vf.data, kind


def build_spec(data: Any, file: str, resolve: Callable[[str, Any], InstrumentSpec] | None = None) -> InstrumentSpec:
    """Validate a parsed YAML mapping and return the ``InstrumentSpec``.

    Parameters
    ----------
    data : the parsed YAML document
    file : str
        The spec file, used in every error message.
    resolve : callable, optional
        ``resolve(instrument_id, field)`` returns the spec of a combination's component; it should
        raise ``InputError`` when the id cannot be found. Needed only for ``kind: combination``.

    Raises
    ------
    InputError
        ``file`` = the spec file, ``column`` = the offending field (e.g. ``items[3].column``).
    """
    name, version, kind = header(data, file)
    root = Field(data, "", file)
    direction = root.get("direction", read_choice(DIRECTIONS), "higher")
    description = root.get("description", read_text, "")
    if kind == "questionnaire":
        parts = build_questionnaire(root, direction)
    elif kind == "risk_checklist":
        parts = build_checklist(root, direction)
    elif kind == "signal_list":
        if direction != "higher":
            raise root.fail("a signal list's score counts signals, so its direction is 'higher'", "direction")
        parts = build_signal_list(root, direction)
    elif kind == "ordinal_category":
        parts = build_ordinal(root, direction)
    elif kind == "rater_observation":
        parts = build_rater(root, direction)
    elif kind == "probability":
        parts = build_probability(root, direction)
    elif kind == "score":
        parts = build_score(root, direction)
    else:
        if resolve is None:
            raise root.fail("a combination needs its components resolved; load it with load_specs", "components")
        parts = build_combination(root, direction, resolve)

    low, high = parts.pop("score_range")
    explicit = read_cutoffs(root.child("cutoffs") if root.has("cutoffs") else None)
    derived = parts.pop("derived_cutoffs")
    cutoffs = check_cutoffs(derived + explicit, low, high, root)
    banded = read_banded_cutoffs(root.child("banded_cutoffs"), low, high, cutoffs) if root.has("banded_cutoffs") else ()
    if not cutoffs and not banded and kind not in ("score", "questionnaire"):
        raise root.fail(
            "required field is missing: declare at least one named cut-off (cutoffs or banded_cutoffs)", "cutoffs"
        )
    risk = read_risk_mapping(root.child("risk_mapping") if root.has("risk_mapping") else None, low, high)
    return InstrumentSpec(
        name=name,
        version=version,
        kind=kind,
        description=description.strip(),
        direction=direction,
        cutoffs=cutoffs,
        source_file=file,
        references=read_references(root.child("references") if root.has("references") else None),
        score_range=(low, high),
        risk_mapping=risk,
        banded_cutoffs=banded,
        **parts,
    )
