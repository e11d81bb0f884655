"""Identifier guard: refuse a records file that carries direct identifiers, before anything is written.

The rules, with what passes, are tabled in ``docs/privacy.md``. In short, a column is refused when

- its **name** says it holds a direct identifier: a personal name (``naam``, ``kindnaam``,
  ``voorletters``, ``tussenvoegsel``, ``first_name`` ...), BSN, date of birth, address or place of
  residence, phone number, e-mail address, bank account or postcode. Names are split into words
  (separators and camelCase) and compounds are recognised (``moedernaam``, ``TelefoonOuder``).
  Not refused: a name that names a *thing* (``gemeente_naam``, ``site_name``, ``instrument_name``), a
  contact or name column whose values are only yes/no flags (``mail_contact``; not for BSN and date
  of birth), and a postcode column whose values are
  all four-digit PC4;
- one of its **values** is, or contains, an identifier as people and spreadsheets write them: a BSN
  (8 or 9 digits passing the 11-check, also written ``7996.42.630``, ``799 642 630``,
  ``799642630.0``, ``7.9964263E+08``, ``'799642630``, inside a remark, or as a number in a typed
  column), a full date (ISO with or without time and zone, ``d-m-yy``, ``01/02/15``,
  ``1 februari 2015``, ``Feb 1, 2015``; ``20150201`` and Excel date serials in a date-named column;
  date and timestamp typed columns), a full six-character postcode (``1234AB``, ``1234  AB``,
  ``1234-AB``, ``1234 AB Utrecht``), an e-mail address, an IBAN (mod-97 check), a phone number
  (``06-12345678``, ``+31 6 12345678``, ``0612345678``), a street address (``Kerkstraat 12``) or a
  personal name (a common first name followed by a surname, or initials and a surname);
- it is **free text**: at least three distinct values of two or more words, mostly unique. Free text
  is where names hide; a column that must stay in the file is declared dropped at the door
  (``data.drop`` in ``params.yaml``, ``--drop`` on the commands) and is then never read further.

A header row that looks like a record (a column named by a number, a date or another identifier: a
CSV without a header) is refused without naming the column.

Values are normalised first (Unicode NFKC, so full-width digits are digits; the leading apostrophe
Excel uses to mark text is removed). Every rule runs on the *distinct* values of a column with
vectorised regular expressions (``pyarrow.compute``, RE2; Python's ``re`` for a few short ASCII
values, see ``match_regex``): a candidate filter over all distinct
values, then an exact check (checksum, calendar) on the few candidates in Python. The reader hands
over the distinct values it found (``io.Batch.distinct``); a column of many values first passes one
filter made of every rule's candidate pattern; a column of pseudonymous ids of one shape is judged
by that shape; and the verdict on a few distinct values is remembered for the next column with the
same values and the same kind of name. None of these changes a verdict (tests/test_io_distinct.py).

The message names the file, the column, the first row and the kind of identifier; it never
contains a value.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError

# ------------------------------------------------------------------ column names
_THINGS = {
    "gemeente",
    "municipality",
    "site",
    "locatie",
    "location",
    "instrument",
    "school",
    "organisatie",
    "organisation",
    "organization",
    "org",
    "team",
    "regio",
    "region",
    "wijk",
    "buurt",
    "praktijk",
    "cb",
    "consultatiebureau",
    "ggd",
    "jgz",
    "bestand",
    "file",
    "item",
    "scale",
    "schaal",
    "test",
    "variable",
    "variabele",
    "vragenlijst",
    "questionnaire",
    "project",
    "study",
    "studie",
    "land",
    "country",
    "afdeling",
    "department",
    "dienst",
    "service",
    "provincie",
    "province",
    "stad",
    "city",
    "dorp",
    "town",
    "village",
    "plaats",
    "product",
    "medicijn",
    "medication",
    "diagnose",
    "diagnosis",
    "categorie",
    "category",
    "groep",
    "group",
    "code",
    "type",
    "label",
    "versie",
    "version",
    "status",
    "methode",
    "method",
    "model",
    "score",
    "schaalnaam",
    "taal",
    "language",
    "ziekenhuis",
    "hospital",
    "zorgaanbieder",
    "provider",
    "database",
}
_PERSON_NAME_WORDS = {
    "naam",
    "namen",
    "name",
    "names",
    "voorletters",
    "voorletter",
    "initialen",
    "initials",
    "tussenvoegsel",
    "tussenvoegsels",
    "voorvoegsel",
    "surname",
    "forename",
    "firstname",
    "lastname",
    "fullname",
    "givenname",
    "nickname",
    "roepnaam",
    "achternaam",
    "voornaam",
    "voornamen",
    "meisjesnaam",
    "familienaam",
    "geslachtsnaam",
    "contactpersoon",
    "contactperson",
}
_FLAG_VALUES = {
    "0",
    "1",
    "0.0",
    "1.0",
    "ja",
    "nee",
    "j",
    "n",
    "yes",
    "no",
    "y",
    "true",
    "false",
    "wel",
    "niet",
    "onbekend",
    "unknown",
    "t",
    "f",
}
_NOT_DATE_WORDS = ("candidate", "update", "validate", "mandate", "accommodate", "consolidate")


def _words(column: str) -> tuple[list[str], str]:
    """Lower-case words of a column name (separators and camelCase split) and their concatenation."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", unicodedata.normalize("NFKC", str(column)))
    words = [w for w in re.split(r"[^0-9a-z]+", spaced.lower()) if w]
    return words, "".join(words)


def _is_date_named(column: str) -> bool:
    """A name that says the column holds dates (``bezoekdatum``, ``visit_date``, ``dob``), not a year,
    month or age (``birth_year``, ``geboortemaand``)."""
    words, joined = _words(column)
    if re.search(r"jaar|year|maand|month|kwartaal|quarter|week|leeftijd|age", joined):
        return False
    for w in words:
        if w in {"date", "datum", "dob", "dt", "dtm", "birthday"}:
            return True
        if "datum" in w or "gebdat" in w or "geboortedag" in w:
            return True
        if (w.startswith("date") or w.endswith("date")) and not w.endswith(_NOT_DATE_WORDS):
            return True
    return False


def name_kind(column: str) -> str | None:
    """The kind of direct identifier a column *name* announces, or ``None``.

    >>> [name_kind(c) for c in ("kindnaam", "gemeente_naam", "TelefoonOuder", "geboorte_dag_maand_jaar")]
    ['name', None, 'phone number', 'date of birth']
    """
    words, joined = _words(column)
    ws = set(words)
    if (
        any(w.startswith("bsn") or w.endswith("bsn") for w in words)
        or ws & {"ssn", "sofi", "sofinr", "anummer"}
        or re.search(r"burgerservice|citizenservice|sofinummer|socialsecurity", joined)
    ):
        return "BSN"
    if (
        "dob" in ws
        or re.search(r"geboortedatum|gebdat|dateofbirth|birthdate|birthday|geboortedag", joined)
        or (
            ("geboorte" in joined or "birth" in joined or "geb" in ws)
            and ws & {"dag", "datum", "date", "day", "dd", "dmj"}
        )
    ):
        return "date of birth"
    if "email" in joined or "mail" in ws or any(w.startswith("mailadres") for w in words):
        return "e-mail address"
    if re.search(r"iban|rekeningnummer|rekeningnr|bankrekening|bankaccount|accountnumber", joined):
        return "bank account"
    if (
        re.search(r"telefoon|phone|mobielnummer|mobilenumber|telnummer|telnr|^06nummer|^06nr", joined)
        or ws & {"tel", "gsm", "fax", "mobiel", "mobile"}
        or any(w.startswith("mobiel") for w in words)
    ):
        return "phone number"
    if re.search(r"postcode|postalcode|zipcode", joined) or ws & {"zip", "pc6"}:
        return "postcode"
    if re.search(
        r"adres|address|straat|street|huisnummer|huisnr|housenumber|huisletter|woonplaats|verblijfplaats|"
        r"placeofresidence",
        joined,
    ):
        return "address or place of residence"
    person = [w for w in words if w in _PERSON_NAME_WORDS or w.endswith(("naam", "namen", "name"))]
    if person:
        prefixes = {re.sub(r"(naam|namen|name)$", "", w) for w in person}
        if not (ws | prefixes) & _THINGS:
            return "name"
    return None


# ------------------------------------------------------------------ values: candidate filters (RE2) and exact checks
_WEIGHTS = np.array([9, 8, 7, 6, 5, 4, 3, 2, -1])
_BSN = re.compile(r"^\d{8,9}$")


def bsn_checksum_ok(values) -> np.ndarray:
    """Vectorised BSN 11-check for strings of nine digits, or eight (left-padded with a zero, as a
    spreadsheet that dropped the leading zero shows them); others give False.

    S = 9 d1 + 8 d2 + ... + 2 d8 - d9, valid when S mod 11 == 0; ``000000000`` is not an issued
    number and is rejected explicitly (RvIG, *Logisch Ontwerp BSN*).

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


_IBAN_COUNTRIES = set(
    "AD AE AL AT AZ BA BE BG BH BI BR BY CH CR CY CZ DE DJ DK DO EE EG ES FI FK FO FR GB GE GI GL GR "
    "GT HR HU IE IL IQ IS IT JO KW KZ LB LC LI LT LU LV LY MC MD ME MK MN MR MT MU NI NL NO OM PK "
    "PL PS PT QA RO RS RU SA SC SD SE SI SK SM SO ST SV TL TN TR UA VA VG XK YE".split()
)


def iban_ok(text: str) -> bool:
    """ISO 13616 check: a registered country code; move the first four characters to the end, letters
    to 10..35, mod 97 == 1.

    >>> iban_ok("NL91 ABNA 0417 1643 00"), iban_ok("NL91ABNA0417164301")
    (True, False)
    """
    s = re.sub(r"\s", "", text).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", s) or s[:2] not in _IBAN_COUNTRIES:
        return False
    return int("".join(str(int(ch, 36)) for ch in s[4:] + s[:4])) % 97 == 1


def _iban_in(text: str) -> bool:
    """An IBAN at the start of ``text`` (which may run on into the next words): any length 15..34 passes."""
    s = re.sub(r"[\s\-]", "", text)
    return any(iban_ok(s[:n]) for n in range(15, min(len(s), 34) + 1))


_BSN_SEPARATED = r"\d{3}[ .,\-]\d{3}[ .,\-]\d{3}|\d{4}[ .\-]\d{2}[ .\-]\d{3}|\d{2}[ .,\-]\d{3}[ .,\-]\d{3}"
_BSN_IN_TEXT = re.compile(rf"(?<![\w.,/\-])(\d{{8,9}}|{_BSN_SEPARATED})(?![\w/\-]|[.,]\d)")
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?$")


def _bsn_digits(value: str) -> list[str]:
    """Candidate 8/9-digit strings in a value: the value as a number (``799642630.0``,
    ``7.9964263E+08``) and digit groups written as BSNs are in text."""
    found = [re.sub(r"\D", "", m.group(1)) for m in _BSN_IN_TEXT.finditer(value)]
    if _NUMBER.match(value) and not value.isdigit():
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            number = float("nan")
        if np.isfinite(number) and number.is_integer() and 1e7 <= abs(number) < 1e9:
            found.append(str(int(abs(number))))
    return found


def _bsn_check(values: list[str]) -> np.ndarray:
    """Per value: does it hold a number that passes the 11-check? One vectorised checksum over all
    candidate digit strings (plain 8/9-digit values are their own candidate)."""
    digits: list[str] = []
    owner: list[int] = []
    for i, v in enumerate(values):
        found = [v] if v.isascii() and v.isdigit() else _bsn_digits(v)
        digits += found
        owner += [i] * len(found)
    result = np.zeros(len(values), dtype=bool)
    if digits:
        ok = bsn_checksum_ok(digits)
        result[np.asarray(owner)[ok]] = True
    return result


_MONTHS = (
    r"jan|januari|january|feb|febr|februari|february|mrt|maart|mar|march|apr|april|mei|may|jun|juni|june|"
    r"jul|juli|july|aug|augustus|august|sep|sept|september|okt|oktober|oct|october|nov|november|dec|december"
)
_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:\s?(?:Z|UTC|[+-]\d{2}:?\d{2}))?"
_DATE_RULES = [
    # (pattern finding a date in a value, groups -> (day, month, year) or None when only checked by shape)
    (re.compile(rf"(?<![\d.,/-])(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}}){_TIME}(?![\d/-]|[.,]\d)"), "ymd"),
    (re.compile(rf"(?<![\d.,/-])(\d{{1,2}})[-/.](\d{{1,2}})[-/.](\d{{4}}){_TIME}(?![\d/-]|[.,]\d)"), "dmy"),
    (re.compile(rf"(?<![\d.,/-])(\d{{1,2}})[-/](\d{{1,2}})[-/](\d{{2}}){_TIME}(?![\d/-]|[.,]\d)"), "dmy"),
    (re.compile(rf"(?<![\d.,/-])(\d{{2}})\.(\d{{2}})\.(\d{{2}}){_TIME}(?![\d/-]|[.,]\d)"), "dmy"),
    (
        re.compile(rf"(?i)(?<![\w])(\d{{1,2}})(?:e|st|nd|rd|th)?[ .-]+({_MONTHS})\.?[ ,.-]+(\d{{2}}|\d{{4}})(?!\d)"),
        "d_mon_y",
    ),
    (re.compile(rf"(?i)(?<![\w])({_MONTHS})\.?[ -]+(\d{{1,2}})(?:st|nd|rd|th)?,?[ -]+(\d{{4}})(?!\d)"), "mon_d_y"),
]
_COMPACT_DATE = re.compile(
    r"^(?:(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])|(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])(19|20)\d{2})$"
)


def _valid_day_month(d: int, m: int) -> bool:
    return 1 <= d <= 31 and 1 <= m <= 12


def _has_full_date(value: str) -> bool:
    for pattern, form in _DATE_RULES:
        for m in pattern.finditer(value):
            a, b, c = m.group(1), m.group(2), m.group(3)
            if form == "ymd":
                ok = _valid_day_month(int(c), int(b))
            elif form == "dmy":  # Dutch d-m-y, or the US m/d/y a spreadsheet may write
                ok = _valid_day_month(int(a), int(b)) or _valid_day_month(int(b), int(a))
            elif form == "d_mon_y":
                ok = 1 <= int(a) <= 31
            else:
                ok = 1 <= int(b) <= 31
            if ok:
                return True
    return False


_PC6_WHOLE = re.compile(r"^[1-9]\d{3}[ \-]*(?!(?i:mg|ml|gr|kg|cm|mm|km|uu|ms)$)[A-Za-z]{2}$")
_PC6_TEXT = re.compile(
    r"(?<![\w.,])[1-9]\d{3} ?-? ?[A-Z]{2}(?![\w])"
    r"|(?i:(?<![\w])(?:postcode|pc6?)\s*:?\s*[1-9]\d{3}\s?-?\s?[a-z]{2}(?![\w]))"
)
_EMAIL = re.compile(
    r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
    r"|(?i:[a-z0-9._%+\-]+\s*[\[(]\s*(?:at|apenstaartje)\s*[\])]\s*[a-z0-9\-]+(?:\s*(?:\.|[\[(]\s*(?:dot|punt)\s*[\])])\s*[a-z0-9\-]+)+)"
)
_IBAN = re.compile(r"(?i)(?<![A-Z0-9])[A-Z]{2}\d{2}(?:[ \-]?[A-Z0-9]){11,30}(?![A-Z0-9])")
_PHONE = re.compile(
    r"(?<![\w+.,/\-])(?:(?:\+\d{2,3}|00(?:31|32|33|44|49|90|212|213|216|597|599))[ \-]?"
    r"(?:\(0\)[ \-]?)?\d(?:[ \-]?\d){6,10}|0[1-9](?:(?:\s?[\-.]\s?|\s)?\d){8}"
    r"|\(0\d{1,3}\)[ \-]?\d(?:[ \-]?\d){4,7})"
    r"(?![\w/\-]|[.,]\d)"
)
_STREETS = (
    r"straat|laan|weg|plein|gracht|kade|singel|dreef|steeg|dijk|markt|plantsoen|hof|pad|park|baan|allee|"
    r"erf|wal|burgwal"
)
_STREET = re.compile(
    rf"(?i)(?<![\w])[a-z\u00c0-\u017f'-]*(?:{_STREETS})\s+\d{{1,5}}(?:\s?[a-z](?![\w]))?(?![\d]|[.,]\d)"
    r"|(?<![\w])\d{1,5}\s+[A-Z][a-z]+\s+(?:Street|St\.|Road|Rd\.|Avenue|Ave\.|Lane|Drive|Way)(?![\w])"
)
_FIRST_NAMES = (
    "Jan|Piet|Kees|Klaas|Henk|Gerrit|Willem|Hendrik|Johannes|Cornelis|Pieter|Jacob|Dirk|Joost|Bram|Daan|Sem|Lucas|"
    "Levi|Finn|Luuk|Milan|Jesse|Thijs|Lars|Ruben|Sven|Tim|Tom|Niels|Bas|Erik|Peter|Paul|Frank|Hans|Jeroen|"
    "Martijn|Sander|Dennis|Kevin|Stefan|Thomas|Noah|Liam|Julian|Mees|Gijs|Teun|Jens|Stijn|Wouter|Arjan|"
    "Mohamed|Mohammed|Ahmed|Ali|Omar|Youssef|Yusuf|Mustafa|Mehmet|Hasan|Hassan|Ibrahim|Emre|Murat|"
    "Maria|Anna|Emma|Sophie|Julia|Lotte|Sara|Sarah|Eva|Lisa|Fleur|Lieke|Tess|Sanne|Femke|Anouk|Laura|"
    "Linda|Sandra|Monique|Marieke|Ingrid|Petra|Karin|Ellen|Esther|Inge|Anke|Mieke|Annemarie|Wilma|Johanna|"
    "Elisabeth|Cornelia|Hendrika|Geertje|Fatima|Fatma|Aisha|Ayse|Zeynep|Elif|Yasmina|Khadija|Nora|Mila|Zoe|Saar|"
    "Yara|Nina|Jasmijn|Evi|Lynn|Elin|Vera|Ilse|Jolanda|Marloes|John|James|Robert|Michael|William|David|"
    "Richard|Joseph|Charles|Christopher|Daniel|Matthew|George|Mary|Patricia|Jennifer|Elizabeth|Susan|Jessica|"
    "Karen|Nancy|Margaret|Emily|Olivia|Sophia|Amelia|Charlotte|Jack|Harry|Oliver|Jan-Willem|Anne|Marie|"
    "Zo\u00eb|\u00d6mer|Omer|Ay\u015fe|Y\u0131lmaz|Hatice|Emine|Mehmed|Abdel|Abdullah|Rachid|Said|Samira|Naima|"
    "Malika|Soufiane|Bilal|Hamza|Anouar|Kofi|Priya|Chantal|Shanice|Romano|Kenneth|Wim|Ton|Ria|Joke|Truus|Bep|"
    "Gert|Gerard|Marco|Mario|Sven|Bart|Koen|Rick|Nick|Mike|Robin|Kim|Esmee|Demi|Britt|Amber|Lisanne|Romy|Isabel"
)
_PARTICLES = r"(?:(?:van|de|der|den|ter|ten|te|het|op|in|el|al|ben|bin|le|la|du|von|'t)\s+)*"
_SURNAME_PARTICLES = r"(?:van(?:\s+(?:de|der|den|het|'t))?|de|der|den|ter|ten|te|el|al|ben|bin)"
_UP = "A-Z\u00c0-\u00d6\u00d8-\u00de"
_LOW = "a-z\u00df-\u00f6\u00f8-\u00ff\u0100-\u017f"
_TITLES = r"(?:Mw|Mevr|Mevrouw|Dhr|De heer|Mr|Mrs|Ms|Miss|Dr|Drs|Ir|Ing|Prof)"
_PERSON = re.compile(
    rf"(?<![\w])(?:(?:{_FIRST_NAMES})\s+{_PARTICLES}[{_UP}][{_LOW}]+"  # Jan (van der) Berg
    rf"|(?:[A-Z]\.\s?)+{_PARTICLES}[{_UP}][{_LOW}]{{2,}}"  # J. Jansen, A.B. de Vries
    rf"|(?i:{_FIRST_NAMES})\s+{_SURNAME_PARTICLES}\s+[{_LOW}{_UP}]{{2,}}"  # lieke van den berg
    rf"|[{_UP}][{_LOW}]+\s+{_SURNAME_PARTICLES}\s+[{_UP}][{_LOW}]{{2,}}"  # Zo\u00eb van Dijk
    rf"|[{_UP}][{_LOW}]{{2,}},\s*(?:(?:{_FIRST_NAMES})(?![\w])|(?:[A-Z]\.\s?)+)"  # Jansen, Jan / Bakker, J.
    rf"|{_TITLES}\.?\s+{_PARTICLES}[{_UP}][{_LOW}]{{2,}})"
)  # Mw. Jansen


@dataclass(frozen=True)
class _Rule:
    kind: str
    hint: str
    candidate: str  # RE2 pattern: a cheap superset, vectorised over distinct values
    check: Callable[[list[str]], list[bool]]  # exact check of the candidates
    date_named_only: bool = False
    things_too: bool = True  # False: not applied to columns that name a thing (schools, sites, ...)


def _searcher(pattern: re.Pattern) -> Callable[[list[str]], list[bool]]:
    return lambda values: [pattern.search(v) is not None for v in values]


_RULES: tuple[_Rule, ...] = (
    _Rule(
        "full date (day precision)",
        "Convert dates to ages or intervals",
        r"^\d{8}$",
        lambda vs: [bool(_COMPACT_DATE.match(v)) for v in vs],
        date_named_only=True,
    ),
    _Rule(
        "value that passes the BSN 11-check",
        "Pseudonyms must not be 8- or 9-digit numbers",
        r"(?:^|[^\w.,/\-])(?:\d{8,9}|\d{2,4}[ .,\-]\d{2,3}[ .,\-]\d{3})(?:$|[^\w/\-])"
        r"|^[+-]?\d[.,]\d+[eE]\+?0?[78]$|^\d{8,9}[.,]0*$",
        _bsn_check,
    ),
    _Rule(
        "full six-character postcode",
        "Use PC4, municipality or region",
        r"[1-9]\d{3} ?-? *[A-Za-z]{2}|[1-9]\d{3}\s?-?\s?[a-zA-Z]{2}",
        lambda vs: [bool(_PC6_WHOLE.match(v) or _PC6_TEXT.search(v)) for v in vs],
    ),
    _Rule(
        "full date (day precision)",
        "Convert dates to ages or intervals",
        rf"\d{{1,4}}[-/.]\d{{1,2}}[-/.]\d{{1,4}}|(?i:\d\s*(?:e|st|nd|rd|th)?[ .-]+(?:{_MONTHS}))|(?i:(?:{_MONTHS})\.?[ -]+\d)",
        lambda vs: [_has_full_date(v) for v in vs],
    ),
    _Rule("e-mail address", "Remove contact details", r"@|(?i:[\[(]\s*(?:at|apenstaartje)\s*[\])])", _searcher(_EMAIL)),
    _Rule(
        "bank account (IBAN)",
        "Remove bank details",
        r"(?i:[a-z]{2}\d{2}[ \-]?[a-z0-9]{4})",
        lambda vs: [any(_iban_in(m.group(0)) for m in _IBAN.finditer(v)) for v in vs],
    ),
    _Rule(
        "phone number",
        "Remove contact details",
        r"\+\d|(?:^|[^\d])00(?:31|32|33|44|49|90|212|213|216|597|599)|0[1-9][\d \-.]{8}|\(0\d",
        _searcher(_PHONE),
    ),
    _Rule(
        "street address",
        "Remove addresses; use PC4, municipality or region",
        rf"(?i:(?:{_STREETS})\s+\d)|\d\s+[A-Z][a-z]+\s+(?:Street|St\.|Road|Rd\.|Avenue|Ave\.|Lane|Drive|Way)",
        _searcher(_STREET),
        things_too=False,
    ),
    _Rule(
        "personal name",
        "Remove names; free text belongs outside the file or in a dropped column",
        rf"(?i:(?:{_FIRST_NAMES})\s+[a-z'])|[A-Z]\.\s?[a-zA-Z]|\pL\s+(?:van|de|der|den|ter|ten|te|el|al|ben|bin)\s"
        rf"|\pL,\s*\pL|(?:{_TITLES})\.?\s",
        _searcher(_PERSON),
        things_too=False,
    ),
)
_FREE_TEXT_KIND = "free text (where names and other identifiers hide)"
_FREE_TEXT_HINT = (
    "Drop the column at the door: list it under data.drop in params.yaml (or give --drop COLUMN), "
    "or replace it by coded variables"
)
_WORDY = r"\pL{2,}[\s,;:]+\pL{2,}"
# Every rule's candidate filter and the free-text one in one pattern: a value none of them matches can
# be found by no rule, so a column of many distinct values (ids, a continuous risk) is filtered by one
# pass of this instead of one pass per rule.
_ANY_CANDIDATE = "|".join(f"(?:{p})" for p in (*(rule.candidate for rule in _RULES), _WORDY))
_PREFILTER_MIN = 1024


# ------------------------------------------------------------------ the guard
@dataclass(frozen=True)
class Finding:
    """One kind of identifier found in one column: which distinct values (kept in memory, never printed)."""

    column: str
    rank: int
    kind: str
    hint: str
    values: frozenset | None  # None: the column is refused as a whole (name, free text, typed dates)


# A few distinct values (a column of codes or scores, a small batch): Python's ``re`` with the pattern
# compiled once beats ``pyarrow.compute``, which compiles its RE2 pattern again on every call. The two
# agree on ASCII text without a line feed or vertical tab (RE2's ``\s`` has no ``\v``; Python's ``$``
# also matches before a final line feed): ``\d``, ``\w``, ``\b`` are ASCII in both (``re.ASCII``) and
# RE2's letter class ``\pL`` is ``[A-Za-z]`` on such text. Anything else goes to RE2
# (tests/test_identifiers.py compares both on every pattern).
_PYTHON_RE_MAX_VALUES = 64
_PYTHON_RE_MAX_CHARS = 4096


@functools.cache
def _python_pattern(pattern: str) -> re.Pattern:
    return re.compile(pattern.replace(r"\pL", "[A-Za-z]"), re.ASCII)


def _python_re_applies(values: list) -> bool:
    return (
        len(values) <= _PYTHON_RE_MAX_VALUES
        and sum(len(v) for v in values if v is not None) <= (_PYTHON_RE_MAX_CHARS)
        and all(v is None or (v.isascii() and "\n" not in v and "\x0b" not in v) for v in values)
    )


def match_regex(values: pa.Array, pattern: str) -> np.ndarray:
    """``pc.match_substring_regex(values, pattern)`` as a NumPy array (a missing value: ``None``, as
    ``pyarrow`` gives it), through Python's ``re`` for a few ASCII values (see above)."""
    if len(values) <= _PYTHON_RE_MAX_VALUES:
        texts = values.to_pylist()
        if _python_re_applies(texts):
            search = _python_pattern(pattern).search
            out = [None if t is None else search(t) is not None for t in texts]
            return np.array(out, dtype=bool if values.null_count == 0 else object)
    return pc.match_substring_regex(values, pattern).to_numpy(zero_copy_only=False)


def _refuse(file: str, column: str | None, kind: str, row: int | None = None, hint: str = "") -> InputError:
    reason = f"refused: the column carries a direct identifier ({kind}); nothing was written"
    return InputError(file, reason + (f". {hint}" if hint else ""), row=row, column=column)


def _normalised(values: pa.Array) -> pa.Array:
    """NFKC (full-width digits -> digits), trimmed, without the leading apostrophe of Excel's text cells."""
    if not pc.all(pc.string_is_ascii(values)).as_py():
        values = pc.utf8_normalize(values, "NFKC")
    values = pc.utf8_trim_whitespace(values)
    if not pc.any(pc.starts_with(values, "'")).as_py():
        return values
    return pc.replace_substring_regex(values, r"^'+\s*", "")


_SIMPLE_ID = r"^[A-Za-z]{1,6}[_/\-]?\d{1,20}$"
_NOT_IBAN_ID = r"^(?:[A-Za-z]|[A-Za-z]{3,6})[_/\-]?\d{1,20}$|^[A-Za-z]{2}[_/\-]\d{1,20}$"


def _arrow_strings(values: pd.Series) -> pa.Array:
    """A text Series as one Arrow ``string`` array (no Python objects for Arrow-backed text)."""
    arr = (
        pa.array(values.array)
        if hasattr(values.array, "__arrow_array__")
        else pa.array(values.to_numpy(dtype=object), type=pa.string())
    )
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.string())


_SAMPLE = 65_536


def _distinct_text(values: pd.Series) -> pd.Series:
    """The values the rules run on: a column's distinct values or, when its first ``_SAMPLE`` values are
    mostly distinct (a column of record ids), every value - finding the distinct values of millions of
    ids would cost more than running the rules on each; findings are sets of values either way."""
    if len(values) > 2 * _SAMPLE and values.iloc[:_SAMPLE].nunique() > _SAMPLE // 2:
        return values.dropna().reset_index(drop=True)
    return pd.Series(values.unique(), dtype="string").dropna().reset_index(drop=True)


_SHAPE = np.arange(256, dtype=np.uint8)  # a byte's class in the id patterns: letter, digit, _/-, itself
_SHAPE[np.r_[65:91, 97:123]] = ord("A")
_SHAPE[48:58] = ord("0")
_SHAPE[[ord("_"), ord("/"), ord("-")]] = ord("_")


def _one_id_shape(values: pd.Series) -> bool:
    """Whether every value of an Arrow text column is a pseudonymous id that skips every rule, decided
    without a regular expression over each value: all values have the first value's length and its
    sequence of letters, digits and ``_``/``/``/``-`` (checked on the bytes, vectorised), and the first
    value is plain ASCII that ``_NOT_IBAN_ID`` matches. ``_NOT_IBAN_ID`` sees only those classes, so
    it then matches every value (and ``_normalised`` changes none: no blank, no apostrophe)."""
    if not hasattr(values.array, "__arrow_array__"):
        return False
    column = pa.chunked_array(pa.array(values.array))
    if column.null_count or len(column) == 0:
        return False
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return False
    low, high = (v.as_py() for v in pc.min_max(pc.binary_length(column)).values())
    first = column[0].as_py()
    if low != high or not low or not first.isascii() or first != first.strip() or first.startswith("'"):
        return False
    if not match_regex(pa.array([first]), _NOT_IBAN_ID)[0]:
        return False
    shape = _SHAPE[np.frombuffer(first.encode("ascii"), dtype=np.uint8)]
    width = 8 if pa.types.is_large_string(column.type) else 4
    for chunk in column.chunks:
        if len(chunk) == 0:
            continue
        _, offsets, data = chunk.buffers()
        start = int(np.frombuffer(offsets, dtype=f"<i{width}", count=1, offset=width * chunk.offset)[0])
        rows = np.frombuffer(data, dtype=np.uint8, count=len(chunk) * low, offset=start).reshape(-1, low)
        if not (_SHAPE[rows] == shape).all():
            return False
    return True


def _text_of_number(values: pd.Series) -> pd.Series:
    """Typed numbers as the text a spreadsheet would show (integral values without ``.0``)."""
    num = pd.to_numeric(values, errors="coerce").astype("float64")
    num = num[np.isfinite(num)]
    integral = num == np.floor(num)
    out = num.astype(str)
    out[integral] = num[integral].astype("int64").astype(str)
    return out.astype("string")


_SCANS: dict[tuple, list[Finding]] = {}  # verdicts on a few distinct values, by what they depend on
_SCANS_MAX = 4096


def scan_column(column: str, values: pd.Series, distinct: pd.Series | None = None) -> list[Finding]:
    """Every kind of identifier in one column's non-missing ``values`` (text, numbers or dates).

    ``distinct``: the distinct non-missing values of a text column, when the reader already has them
    (``io.Batch.distinct``); the rules then run on these instead of finding them again. A column with
    at most 256 distinct values gets the verdict of an earlier column with the same values and the
    same kind of name (the rules see nothing else), unless the free-text rule had to count its values:
    the 60 item columns of a wide export, all ``0``/``1``/``2``, are judged once.

    Returns findings in rule order (empty: the column passes).
    """
    key = None
    text = not (
        pd.api.types.is_datetime64_any_dtype(values.dtype)
        or isinstance(values.dtype, pd.PeriodDtype)
        or pd.api.types.is_bool_dtype(values.dtype)
        or pd.api.types.is_numeric_dtype(values.dtype)
    )
    if distinct is not None and text and len(distinct) <= 256:
        texts = tuple(sorted(distinct.dropna().astype(str).tolist()))
        key = (name_kind(column), _is_date_named(column), _names_a_thing(column), texts)
        if key in _SCANS:
            return [dataclasses.replace(f, column=column) for f in _SCANS[key]]
    counted: list[bool] = []
    findings = _scan_column(column, values, distinct, counted)
    if key is not None and not counted:
        if len(_SCANS) >= _SCANS_MAX:
            _SCANS.clear()
        _SCANS[key] = findings
    return findings


def _scan_column(column: str, values: pd.Series, distinct: pd.Series | None, counted: list[bool]) -> list[Finding]:
    """``scan_column`` itself; appends to ``counted`` when the free-text rule counted ``values``."""
    findings: list[Finding] = []
    kind = name_kind(column)
    if pd.api.types.is_datetime64_any_dtype(values.dtype) or isinstance(values.dtype, pd.PeriodDtype):
        if values.notna().any():
            return [
                Finding(
                    column,
                    0,
                    "full date (day precision), a date-typed column",
                    "Convert dates to ages or intervals",
                    None,
                )
            ]
        values = values.astype("string")
    if pd.api.types.is_bool_dtype(values.dtype):
        values = values.dropna().astype("string").str.lower()
    numeric = pd.api.types.is_numeric_dtype(values.dtype)
    if numeric:  # typed numbers: their distinct whole values as text (the free-text rule does not apply;
        # a fraction such as a continuous score of 0.7315 is no identifier of any rule)
        distinct = pd.unique(values.dropna().to_numpy())
        if distinct.dtype.kind == "f":
            distinct = distinct[np.isfinite(distinct) & (distinct == np.floor(distinct))]
        distinct_raw = _text_of_number(pd.Series(distinct)).reset_index(drop=True)
    elif distinct is not None:
        distinct_raw = distinct.astype("string").dropna().reset_index(drop=True)
    elif kind is None and len(values) > 2 * _SAMPLE and _one_id_shape(values):
        return []  # pseudonymous ids of one shape (K000000001, ...): every rule skips them, see below
    else:
        distinct_raw = _distinct_text(values.astype("string"))
    arr = _normalised(_arrow_strings(distinct_raw))

    def matches(pattern: str, target=None) -> np.ndarray:
        return match_regex(arr if target is None else target, pattern)

    if kind is not None:
        nonempty = len(arr) > 0
        lowered = {v.lower() for v in arr.to_pylist()} if len(arr) <= 64 else set()
        is_flag = bool(lowered) and lowered <= _FLAG_VALUES
        all_pc4 = nonempty and bool(matches(r"^[1-9]\d{3}$").all())
        small_numbers = nonempty and bool(matches(r"^\d{1,4}(?:[.,]\d+)?$").all())
        if kind == "address or place of residence" and all_pc4:
            kind = None  # a PC4 of residence is the allowed coarse substitute
        elif kind in ("phone number", "e-mail address", "bank account") and small_numbers:
            kind = None  # hours of phone use, a score: not contact details
    if kind is not None:
        if kind == "postcode":
            if not all_pc4 and nonempty:
                return [
                    Finding(
                        column,
                        0,
                        "postcode column with values other than four-digit PC4",
                        "Only the four-digit PC4 is allowed",
                        None,
                    )
                ]
        elif not is_flag or kind in ("BSN", "date of birth"):
            return [Finding(column, 0, f"{kind}, by its column name", "", None)]
    date_named = _is_date_named(column)
    thing = _names_a_thing(column)
    # Pseudonymous ids (letters then digits: K000123, JGZ-0042) can only be an IBAN of a country whose
    # account numbers are digits (DE89...): the other rules skip them, and ids whose letters are not
    # two (K000123) skip every rule, which keeps a column of millions of distinct ids cheap.
    not_iban = matches(_NOT_IBAN_ID)
    if not_iban.any():
        keep = np.flatnonzero(~not_iban)
        arr, distinct_raw = arr.take(pa.array(keep)), distinct_raw.iloc[keep].reset_index(drop=True)
    every_value, every_raw = arr, distinct_raw  # the date-serial rule below reads every value
    if len(arr) >= _PREFILTER_MIN:  # many values: one pass of every rule's candidate filter first
        any_candidate = matches(_ANY_CANDIDATE)
        if not any_candidate.all():
            keep = np.flatnonzero(any_candidate)
            arr, distinct_raw = arr.take(pa.array(keep)), distinct_raw.iloc[keep].reset_index(drop=True)
    simple = matches(_SIMPLE_ID)
    rest = np.flatnonzero(~simple)
    arr_rest = arr.take(pa.array(rest)) if simple.any() else arr
    for rank, rule in enumerate(_RULES, start=1):
        if (rule.date_named_only and not date_named) or (thing and not rule.things_too):
            continue
        every = rule.kind.startswith("bank account") or not simple.any()
        cand = matches(rule.candidate, arr if every else arr_rest)
        if not cand.any():
            continue
        idx = np.flatnonzero(cand) if every else rest[np.flatnonzero(cand)]
        ok = np.asarray(rule.check(arr.take(pa.array(idx)).to_pylist()), dtype=bool)
        if ok.any():
            findings.append(Finding(column, rank, rule.kind, rule.hint, frozenset(distinct_raw.iloc[idx[ok]].tolist())))
    if date_named:
        num = pd.to_numeric(pd.Series(every_value.to_pandas(), dtype="string"), errors="coerce")
        serial = num.notna() & (num >= 10_000) & (num < 80_000)
        if serial.any():
            findings.append(
                Finding(
                    column,
                    len(_RULES) + 1,
                    "full date (day precision), an Excel date serial in a date-named column",
                    "Convert dates to ages or intervals",
                    frozenset(every_raw[serial.to_numpy(bool)].tolist()),
                )
            )
    if not numeric and kind is None and not thing:
        wordy = np.zeros(len(arr), dtype=bool)
        wordy[rest] = matches(_WORDY, arr_rest)
        wordy_values = distinct_raw[wordy].unique().tolist()
        n_wordy = len(wordy_values)
        if n_wordy >= 3:
            counted.append(True)
            occurrences = int(values.astype("string").isin(wordy_values).sum())
            if n_wordy > 0.5 * occurrences:
                findings.append(Finding(column, len(_RULES) + 2, _FREE_TEXT_KIND, _FREE_TEXT_HINT, None))
    return findings


def _names_a_thing(column: str) -> bool:
    """A column that names a thing (``site_name``, ``schoolnaam``, ``gemeente``), not a person."""
    words, _ = _words(column)
    return any(w in _THINGS or re.sub(r"(naam|namen|name)$", "", w) in _THINGS for w in words)


def _header_looks_like_a_record(columns: Sequence[str]) -> bool:
    """A header with a column named by a number, a date or an identifier: the first record was read as
    the header (a CSV without a header row)."""
    names = pd.Series([str(c) for c in columns], dtype="string")
    if names.str.strip().str.fullmatch(r"[+-]?\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?").any():
        return True
    return any(f.values for f in scan_column("header", names) if f.kind != _FREE_TEXT_KIND)


def check_header(columns: Sequence[str], file: str) -> None:
    """Refuse a header row that looks like a record, without naming (echoing) any of its cells."""
    if _header_looks_like_a_record(columns):
        raise InputError(
            file,
            "refused: the header row looks like a record (a column is named by a number, a "
            "date or an identifier), so the file seems to have no header row; nothing was "
            "written. Add a header row naming the columns",
        )


def check_identifiers(
    frame: pd.DataFrame,
    file: str,
    drop: Iterable[str] = (),
    coded: Iterable[str] = (),
    distinct: Mapping[str, pd.Series] | None = None,
) -> None:
    """Raise ``InputError`` on the first direct identifier found (header first, then columns in file
    order, rules in the order of ``docs/privacy.md``), reporting its first row.

    Parameters
    ----------
    frame : the file's values: text (as ``io.read_records`` gives them) or typed columns (numbers,
        dates, booleans, e.g. from Parquet)
    file : the file's name, for the message
    drop : columns dropped at the door (``data.drop``): not checked, and the caller must not use them
    coded : columns (or glob patterns) whose values are checked against declared codes
        (``data.columns`` with ``codes``): exempt from the free-text rule only, since values outside
        the codes are excluded at ingest and never written
    distinct : per text column, its distinct non-missing values when the reader has them
        (``io.Batch.distinct``); the rules run on these
    """
    check_header(list(frame.columns), file)
    drop, coded, distinct = set(drop), tuple(coded), distinct or {}
    for column in frame.columns:
        if column in drop:
            continue
        values = frame[column].dropna()
        findings = column_findings(column, values, coded, distinct.get(column))
        if findings:
            raise _error(findings[0], values, file)


def first_row(finding: Finding, values: pd.Series, offset: int = 0) -> int | None:
    """1-based file row of the first value of ``finding`` in ``values`` (index = 0-based position in the
    batch that starts at file position ``offset``); ``None`` for a finding about the whole column."""
    if not finding.values:
        return None
    text = _text_of_number(values) if pd.api.types.is_numeric_dtype(values.dtype) else values.astype("string")
    first = text.isin(list(finding.values)).to_numpy(dtype=bool)
    return offset + int(text.index[np.argmax(first)]) + 1


def column_findings(
    column: str, values: pd.Series, coded: Iterable[str] = (), distinct: pd.Series | None = None
) -> list[Finding]:
    """``scan_column`` without the free-text rule for columns checked against declared codes (``coded``:
    column names or glob patterns, as in ``data.columns``)."""
    is_coded = any(fnmatch.fnmatchcase(column, c) for c in coded)
    return [f for f in scan_column(column, values, distinct) if not (is_coded and f.kind == _FREE_TEXT_KIND)]


def _error(finding: Finding, values: pd.Series, file: str) -> InputError:
    return refusal(finding, first_row(finding, values), file)


def first_finding(findings: Iterable[tuple[Finding, int | None]]) -> tuple[Finding, int | None] | None:
    """Of findings gathered over batches (each with its first file row), the one the whole-file guard
    reports: the lowest rule rank, then the first row."""
    best = None
    for finding, row in findings:
        key = (finding.rank, row if row is not None else -1)
        if best is None or key < best[0]:
            best = (key, (finding, row))
    return best[1] if best else None


def refusal(finding: Finding, row: int | None, file: str) -> InputError:
    """The ``InputError`` for a finding at a file row."""
    return _refuse(file, finding.column, finding.kind, row=row, hint=finding.hint)
