"""Finding and reading instrument specification files: the only place YAML is parsed.

``load_specs(["sdq-parent@1", "path/to/own.yaml"])`` resolves each reference to a file, parses it
(refusing duplicate keys, which plain PyYAML would silently overwrite), validates it with
:func:`signalering.instruments.spec.build_spec` and resolves the components of combination rules.

Where ``name@version`` is looked up, in this order:

1. ``<spec_dir>/<name>@<version>.yaml`` or ``<spec_dir>/<name>/<version>.yaml`` when ``spec_dir`` is given;
2. for a combination's component only: the same two forms next to the combination's own file;
3. the specifications bundled with the package (``signalering/instruments/specs/``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from signalering.errors import InputError
from signalering.instruments.fields import ID_PATTERN
from signalering.instruments.spec import InstrumentSpec, build_spec, header

BUNDLED_DIR = Path(__file__).resolve().parent / "specs"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys (a duplicated item or scale would otherwise
    silently replace the first one)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    seen: dict = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            ) from None
        if duplicate:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key '{key}'", key_node.start_mark)
        seen[key] = True
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: str | os.PathLike) -> Any:
    """Parse one YAML file; ``InputError`` (naming the file and line) when it cannot be read."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(file=file, reason="specification file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(file=file, reason=f"specification file cannot be read ({type(exc).__name__})") from None
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise InputError(file=file, reason=f"not valid YAML{where}: {problem}") from None


def bundled_ids() -> list[str]:
    """Ids (``name@version``) of the specifications shipped with the package, sorted."""
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.yaml") if ID_PATTERN.match(p.stem))


def shown(path: str | os.PathLike) -> str:
    """How a specification file is named in messages: as the user gave it, a bundled one by its file name.

    A path inside the installed package would show where the software lives on this machine (a user
    name, a home folder), which says nothing to the reader and does not belong in a message or a log.

    >>> shown(BUNDLED_DIR / "risk-checklist@1.yaml")
    'bundled risk-checklist@1.yaml'
    >>> shown("instruments/own@1.yaml")
    'instruments/own@1.yaml'
    """
    p = Path(path)
    if p.is_absolute() and p.parent == BUNDLED_DIR:
        return f"bundled {p.name}"
    return str(path)


def is_path(ref: str) -> bool:
    return ref.endswith((".yaml", ".yml")) or "/" in ref or os.sep in ref


def _candidates(spec_id: str, directory: Path) -> list[Path]:
    name, version = spec_id.split("@", 1)
    return [
        directory / f"{spec_id}.yaml",
        directory / f"{spec_id}.yml",
        directory / name / f"{version}.yaml",
        directory / name / f"{version}.yml",
    ]


class _Loader:
    """One load_specs call: parsed files indexed by id, built specs memoised, cycles detected."""

    def __init__(self, spec_dir: str | os.PathLike | None):
        self.spec_dir = Path(spec_dir) if spec_dir is not None else None
        self.raw: dict[str, tuple[str, Any]] = {}  # id -> (file, parsed YAML)
        self.built: dict[str, InstrumentSpec] = {}
        self.building: list[str] = []

    # -- finding files ---------------------------------------------------------------------------
    def find(self, spec_id: str, near: Path | None = None) -> Path:
        dirs = [d for d in (self.spec_dir, near) if d is not None] + [BUNDLED_DIR]
        for directory in dirs:
            for path in _candidates(spec_id, directory):
                if path.is_file():
                    return path
        searched = ", ".join("the bundled specifications" if d == BUNDLED_DIR else str(d) for d in dict.fromkeys(dirs))
        raise InputError(
            file=str(self.spec_dir) if self.spec_dir is not None else "",
            reason=f"no specification '{spec_id}' found (searched {searched}; bundled: {', '.join(bundled_ids())})",
        )

    def register(self, path: Path, expect_id: str | None = None) -> str:
        file = str(path)
        data = read_yaml(path)
        name, version, _ = header(data, file)
        spec_id = f"{name}@{version}"
        if expect_id is not None and spec_id != expect_id:
            raise InputError(
                file=shown(file), column="name", reason=f"file was looked up as '{expect_id}' but declares '{spec_id}'"
            )
        if spec_id in self.raw and Path(self.raw[spec_id][0]).resolve() != path.resolve():
            raise InputError(
                file=shown(file),
                column="name",
                reason=f"'{spec_id}' is also declared by {shown(self.raw[spec_id][0])}; "
                "an instrument id must be unique",
            )
        self.raw[spec_id] = (file, data)
        return spec_id

    def register_ref(self, ref: str | os.PathLike) -> str:
        text = os.fspath(ref)
        if not isinstance(text, str) or not text.strip():
            raise InputError(file="", reason="an instrument reference must be 'name@version' or a path to a YAML file")
        if isinstance(ref, os.PathLike) or is_path(text):
            return self.register(Path(text))
        if not ID_PATTERN.match(text):
            raise InputError(
                file=str(self.spec_dir) if self.spec_dir is not None else "",
                reason=f"'{text}' is neither 'name@version' nor a path to a .yaml file",
            )
        if text in self.raw:
            return text
        return self.register(self.find(text), expect_id=text)

    # -- building --------------------------------------------------------------------------------
    def build(self, spec_id: str) -> InstrumentSpec:
        if spec_id in self.built:
            return self.built[spec_id]
        file, data = self.raw[spec_id]
        self.building.append(spec_id)

        def resolve(component_id: str, where: Any) -> InstrumentSpec:
            if component_id in self.building:
                cycle = " -> ".join(self.building[self.building.index(component_id) :] + [component_id])
                raise where.fail(f"combination refers to itself ({cycle})")
            if component_id not in self.raw:
                try:
                    found = self.find(component_id, near=Path(file).parent)
                except InputError as exc:  # name the combination's file and field instead
                    raise where.fail(exc.reason) from None
                self.register(found, expect_id=component_id)
            return self.build(component_id)

        try:
            spec = build_spec(data, file, resolve)
        finally:
            self.building.pop()
        self.built[spec_id] = spec
        return spec


def load_specs(
    refs: Iterable[str | os.PathLike] | str | os.PathLike, spec_dir: str | os.PathLike | None = None
) -> list[InstrumentSpec]:
    """Load and validate instrument specifications.

    Parameters
    ----------
    refs : iterable of str or path
        Each either ``"name@version"`` (looked up in ``spec_dir``, then among the bundled specs) or
        a path to a YAML file. A combination's components are loaded too (from ``refs`` when listed
        there, otherwise looked up by id) and are reachable through ``spec.components``.
    spec_dir : path, optional
        Directory searched before the bundled specifications.

    Returns
    -------
    list of InstrumentSpec, in the order of ``refs``; a spec listed twice is returned once.

    Raises
    ------
    InputError
        ``file`` = the spec file (or the directory searched), ``column`` = the offending field.

    Examples
    --------
    >>> [s.id for s in load_specs(["risk-checklist@2", "checklist-or-signals@1"])]
    ['risk-checklist@2', 'checklist-or-signals@1']
    """
    if isinstance(refs, (str, os.PathLike)):
        refs = [refs]
    loader = _Loader(spec_dir)
    ids = list(dict.fromkeys(loader.register_ref(r) for r in refs))
    return [loader.build(i) for i in ids]


def load_spec(ref: str | os.PathLike, spec_dir: str | os.PathLike | None = None) -> InstrumentSpec:
    """Load one specification (see :func:`load_specs`)."""
    return load_specs([ref], spec_dir=spec_dir)[0]


def spec_from_mapping(data: Any, file: str = "<mapping>", spec_dir: str | os.PathLike | None = None) -> InstrumentSpec:
    """Validate an already parsed specification (e.g. built in a test or a notebook).

    A combination's components are looked up by id in ``spec_dir`` and the bundled specs.
    """
    loader = _Loader(spec_dir)
    name, version, _ = header(data, file)
    spec_id = f"{name}@{version}"
    loader.raw[spec_id] = (file, data)
    return loader.build(spec_id)
