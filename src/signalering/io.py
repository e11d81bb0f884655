"""Reading records files and writing outputs.

Records are read with every column as text first, so identifier-like values keep their leading zeros
and the identifier guard sees exactly what is in the file; types are applied afterwards by the schema.
"""
from __future__ import annotations

import csv
import hashlib
import io as _io
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError

CSV_ENCODINGS = ("utf-8-sig", "cp1252")
SUFFIXES = (".csv", ".txt", ".parquet", ".pq", ".xlsx")


def read_records(path: str | Path) -> pd.DataFrame:
    """Read a records file (CSV, Parquet or .xlsx) with every column as text (missing = NA).

    CSV: comma or semicolon separated, UTF-8 (with or without BOM) or Windows-1252. Raises
    ``InputError`` for a file that is unusable as a whole: missing, empty, header only, not a table,
    undecodable.
    """
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise InputError(name, "the file does not exist")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(name, f"unsupported file type '{suffix}'; use CSV, Parquet or .xlsx")
    if path.stat().st_size == 0:
        raise InputError(name, "the file is empty")
    if suffix in (".parquet", ".pq"):
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a broken file
            raise InputError(name, f"not a readable Parquet file ({type(exc).__name__})") from None
        frame = frame.astype("string")
    elif suffix == ".xlsx":
        try:
            frame = pd.read_excel(path, dtype=str, engine="openpyxl")
        except Exception as exc:  # noqa: BLE001 - openpyxl/zipfile raise many types for a broken file
            raise InputError(name, f"not a readable Excel .xlsx file ({type(exc).__name__})") from None
        frame = frame.astype("string")
    else:
        frame = _read_csv(path)
    frame.columns = [str(c).strip() for c in frame.columns]
    if len(frame.columns) < 2 or any(c.startswith("Unnamed:") or c == "" for c in frame.columns):
        raise InputError(name, "not a table: expected a header row naming at least two columns")
    if len(set(frame.columns)) != len(frame.columns):
        dup = next(c for c in frame.columns if list(frame.columns).count(c) > 1)
        raise InputError(name, "the header names a column twice", column=dup)
    if len(frame) == 0:
        raise InputError(name, "the file has a header but no records")
    for col in frame.columns:
        frame[col] = frame[col].str.strip().replace("", pd.NA)
    return frame.reset_index(drop=True)


def _read_csv(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    name = str(path)
    if b"\x00" in raw[:65536]:
        raise InputError(name, "not a text table (binary content or UTF-16); save it as CSV in UTF-8")
    text = None
    for enc in CSV_ENCODINGS:
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise InputError(name, "cannot be decoded as UTF-8 or Windows-1252 text")
    header = text.lstrip().split("\n", 1)[0]
    sep = ";" if header.count(";") > header.count(",") else ","
    names = [f.strip() for f in next(csv.reader([header.rstrip("\r")], delimiter=sep), [])]
    duplicated = [f for f in names if f and names.count(f) > 1]
    if duplicated:  # pandas would silently rename the second copy
        raise InputError(name, "the header names a column twice", column=duplicated[0])
    try:
        return pd.read_csv(_io.StringIO(text), sep=sep, dtype="string", keep_default_na=False,
                           na_values=[""], skip_blank_lines=True)
    except (pd.errors.ParserError, csv.Error) as exc:
        line = _parser_line(str(exc))
        raise InputError(name, "not a table: rows have a different number of fields than the header",
                         row=line) from None
    except pd.errors.EmptyDataError:
        raise InputError(name, "the file has no header row") from None


def _parser_line(message: str) -> int | None:
    import re
    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) - 1 if m else None


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def to_jsonable(obj):
    """Convert NumPy scalars/arrays and NaN to plain JSON values (NaN and inf become ``None``)."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        f = float(obj)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(obj, np.bool_):
        return bool(obj)
    if obj is pd.NA:
        return None
    return obj


def dumps(obj) -> str:
    """Deterministic JSON: sorted keys, full precision, no NaN (byte-identical reruns)."""
    return json.dumps(to_jsonable(obj), sort_keys=True, indent=2, allow_nan=False) + "\n"


def write_json(path: str | Path, obj) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(obj), encoding="utf-8")


def read_json(path: str | Path):
    return json.loads(Path(path).read_text(encoding="utf-8"))
