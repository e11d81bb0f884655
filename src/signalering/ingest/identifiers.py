"""Identifier guard: refuse a records file that carries direct identifiers, before anything is written.

What is refused (see ``shared/domain/privacy.md``):

- columns *named* like a name, BSN, date of birth, address, phone, e-mail, IBAN or postcode
  (Dutch and English names); a postcode-named column is allowed only when every value is a
  four-digit PC4;
- any 9-digit value that passes the BSN 11-check (weights 9..2 and -1, RvIG *Logisch Ontwerp BSN*),
  in any column. About 1 in 11 random 9-digit numbers passes, so pseudonyms must not be 9-digit
  numbers: the message says so;
- full six-character Dutch postcodes (``1234 AB``) in any column;
- full dates (day precision: ``yyyy-mm-dd``, ``dd-mm-yyyy``, ``dd/mm/yyyy``) in any column; convert
  dates to ages or intervals before the data leave the organisation.

The message names the file, the column, the first row and the kind of identifier; it never contains
the value.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..errors import InputError

_NAME_TOKENS = {
    "name": {"naam", "voornaam", "achternaam", "roepnaam", "familienaam", "meisjesnaam", "voornamen",
             "name", "firstname", "lastname", "surname", "givenname", "fullname", "forename"},
    "BSN": {"bsn", "burgerservicenummer", "sofinummer", "sofi", "sofinr", "anummer", "bsnkind",
            "bsnmoeder", "bsnvader", "ssn"},
    "date of birth": {"geboortedatum", "gebdatum", "gebdat", "dob", "dateofbirth", "birthdate",
                      "birthday", "geboortedag"},
    "address": {"adres", "address", "straat", "straatnaam", "street", "huisnummer", "housenumber",
                "huisnr", "woonadres"},
    "phone number": {"telefoon", "telefoonnummer", "tel", "phone", "telephone", "mobile", "mobiel"},
    "e-mail address": {"email", "mail", "emailadres"},
    "bank account": {"iban", "rekeningnummer", "bankrekening"},
}
_POSTCODE_NAMES = {"postcode", "zip", "zipcode", "postalcode", "pc6", "postcodekind"}

_BSN = re.compile(r"^\d{8,9}$")
_PC6 = re.compile(r"^[1-9]\d{3}\s?[A-Za-z]{2}$")
_PC4 = re.compile(r"^[1-9]\d{3}$")
_FULL_DATE = re.compile(
    r"^(?:\d{4}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])"
    r"|(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|1[0-2])[-/.]\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_WEIGHTS = np.array([9, 8, 7, 6, 5, 4, 3, 2, -1])


def bsn_checksum_ok(values) -> np.ndarray:
    """Vectorised BSN 11-check for strings of nine digits, or eight (left-padded with a zero, as a
    spreadsheet that dropped the leading zero shows them); others give False.

    S = 9 d1 + 8 d2 + ... + 2 d8 - d9, valid when S mod 11 == 0; ``000000000`` is not an issued
    number and is rejected explicitly.

    >>> bsn_checksum_ok(["111222333", "123456782", "123456789", "000000000"]).tolist()
    [True, True, False, False]
    """
    s = pd.Series(values, dtype="string")
    ok = s.str.fullmatch(_BSN.pattern).fillna(False).to_numpy(dtype=bool)
    result = np.zeros(len(s), dtype=bool)
    if ok.any():
        digits = np.frombuffer("".join(s[ok].str.zfill(9).tolist()).encode("ascii"), dtype=np.uint8).reshape(-1, 9) - 48
        total = digits.astype(np.int64) @ _WEIGHTS
        result[ok] = (total % 11 == 0) & (digits.sum(axis=1) > 0)
    return result


def _tokens(column: str) -> set[str]:
    low = column.lower()
    parts = [p for p in re.split(r"[^a-z0-9]+", low) if p]
    return set(parts) | {"".join(parts)}


def _refuse(file: str, column: str, kind: str, row: int | None = None, hint: str = "") -> InputError:
    reason = f"refused: the column carries a direct identifier ({kind}); nothing was written"
    return InputError(file, reason + (f". {hint}" if hint else ""), row=row, column=column)


def check_identifiers(frame: pd.DataFrame, file: str) -> None:
    """Raise ``InputError`` on the first direct identifier found (columns in file order).

    ``frame`` holds the file's values as text (see ``io.read_records``); rows are reported 1-based
    (the first record is row 1).
    """
    for column in frame.columns:
        tokens = _tokens(column)
        for kind, names in _NAME_TOKENS.items():
            if tokens & names:
                raise _refuse(file, column, f"{kind}, by its column name")
        values = frame[column].dropna().astype("string")
        if tokens & _POSTCODE_NAMES:
            if not values.str.fullmatch(_PC4.pattern).all():
                raise _refuse(file, column, "postcode column with values other than four-digit PC4",
                              hint="Only the four-digit PC4 is allowed")
            continue
        if values.empty:
            continue
        # Answers take few distinct values: test each distinct text once, then find its first row.
        distinct = pd.Series(values.unique(), dtype="string")
        checks = (
            ("value that passes the BSN 11-check", lambda v: bsn_checksum_ok(v),
             "Pseudonyms must not be 9-digit numbers"),
            ("full six-character postcode", lambda v: v.str.fullmatch(_PC6.pattern).to_numpy(dtype=bool),
             "Use PC4, municipality or region"),
            ("full date (day precision)", lambda v: v.str.fullmatch(_FULL_DATE.pattern).to_numpy(dtype=bool),
             "Convert dates to ages or intervals"),
        )
        for kind, test, hint in checks:
            hit = test(distinct)
            if hit.any():
                first = values.isin(distinct[hit]).to_numpy(dtype=bool)
                row = int(values.index[np.argmax(first)]) + 1
                raise _refuse(file, column, kind, row=row, hint=hint)
