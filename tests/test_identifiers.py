"""The identifier guard refuses every kind of direct identifier and never echoes the value."""

import pandas as pd
import pytest

from signalering.errors import InputError
from signalering.ingest.identifiers import bsn_checksum_ok, check_identifiers


@pytest.mark.parametrize(
    "number, ok",
    [
        ("111222333", True),
        ("123456782", True),  # docs/privacy.md (RvIG 11-check) examples: valid
        ("123456789", False),
        ("111222334", False),  # invalid checksums
        ("000000000", False),  # passes the arithmetic, not an issued number
        ("12345678", False),  # 8 digits -> 012345678, S = 104, invalid
        ("12345678a", False),
        ("1234567890", False),
        ("", False),
    ],
)
def test_bsn_checksum_examples(number, ok):
    assert bsn_checksum_ok([number]).tolist() == [ok]


def test_bsn_checksum_eight_digits_padded():
    # 010000008: S = 8*1 - 8 = 0 -> valid, whether or not a spreadsheet dropped the leading zero
    assert bsn_checksum_ok(["10000008", "010000008"]).tolist() == [True, True]


def frame(**cols):
    base = {"record_id": [f"R{i}" for i in range(3)]}
    base.update(cols)
    return pd.DataFrame(base, dtype="string")


CASES = [
    # (columns, refused column, kind in message, row)
    ({"naam": ["a", "b", "c"]}, "naam", "name", None),
    ({"Achternaam kind": ["a", "b", "c"]}, "Achternaam kind", "name", None),
    ({"first_name": ["a", "b", "c"]}, "first_name", "name", None),
    ({"bsn_moeder": ["1", "2", "3"]}, "bsn_moeder", "BSN", None),
    ({"Burgerservicenummer": [None, None, None]}, "Burgerservicenummer", "BSN", None),
    ({"geboortedatum": ["2015", "2016", "2017"]}, "geboortedatum", "date of birth", None),
    ({"date_of_birth": ["2015", "2016", "2017"]}, "date_of_birth", "date of birth", None),
    ({"adres": ["x", "y", "z"]}, "adres", "address", None),
    ({"street": ["x", "y", "z"]}, "street", "address", None),
    ({"email": ["x", "y", "z"]}, "email", "e-mail", None),
    ({"telefoon": ["x", "y", "z"]}, "telefoon", "phone", None),
    ({"iban": ["x", "y", "z"]}, "iban", "bank", None),
    ({"postcode": ["1234", "1234AB", "2345"]}, "postcode", "postcode", None),
    ({"code": ["5", "111222333", "7"]}, "code", "BSN 11-check", 2),
    ({"pseudo": ["5", "6", "123456782"]}, "pseudo", "BSN 11-check", 3),
    ({"wijk": ["1234 AB", "x", "y"]}, "wijk", "postcode", 1),
    ({"wijk": ["x", "9999zz", "y"]}, "wijk", "postcode", 2),
    ({"visit": ["x", "2015-03-02", "y"]}, "visit", "full date", 2),
    ({"gebjaar": ["x", "y", "02-03-2015"]}, "gebjaar", "full date", 3),
    ({"gebjaar": ["x", "y", "2/3/2015"]}, "gebjaar", "full date", 3),
    ({"moment": ["2015-03-02 00:00:00", "y", "z"]}, "moment", "full date", 1),  # Excel export
]


@pytest.mark.parametrize("cols, column, kind, row", CASES)
def test_refusals_name_column_kind_and_row_without_value(cols, column, kind, row):
    with pytest.raises(InputError) as err:
        check_identifiers(frame(**cols), "records.csv")
    e = err.value
    assert (e.file, e.column, e.row) == ("records.csv", column, row)
    assert kind in e.reason
    message = str(e)
    for value in cols[column]:
        if value and len(value) > 3:
            assert value not in message


@pytest.mark.parametrize(
    "cols",
    [
        {"postcode": ["1234", "2345", None]},  # PC4 is allowed
        {"pc4": ["1234", "2345", "3456"]},
        {"birth_year": ["2015", "2016", "2017"]},  # coarse date substitutes are allowed
        {"age_months": ["9", "10", "11"]},
        {"score": ["12345678.5", "1", "2"]},  # not an integer string
        {"code": ["123456789", "111222334", "1"]},  # nine digits but invalid checksums
        {"month": ["2015-03", "2016-01", "2017-12"]},  # year-month, not a full date
        {"site": ["site01", "site02", "site03"]},
    ],
)
def test_allowed_columns_pass(cols):
    check_identifiers(frame(**cols), "records.csv")


def test_the_python_regex_path_matches_re2_on_every_pattern():
    """For a few ASCII values the guard matches with Python's ``re`` (compiled once) instead of RE2
    (compiled on every call); both must give the same verdict for every pattern the guard uses."""
    import random

    import pyarrow as pa
    import pyarrow.compute as pc

    from signalering.ingest import identifiers as ids

    patterns = [ids._NOT_IBAN_ID, ids._ANY_CANDIDATE, ids._SIMPLE_ID, ids._WORDY]
    patterns += [r"^[1-9]\d{3}$", r"^\d{1,4}(?:[.,]\d+)?$", *(rule.candidate for rule in ids._RULES)]
    known = [
        "799642630",
        "7996.42.630",
        "799 642 630",
        "799642630.0",
        "7.9964263E+08",
        "1234AB",
        "1234 ab",
        "1234-AB Utrecht",
        "a@b.nl",
        "jan [at] x.nl",
        "NL91ABNA0417164300",
        "nl91 abna 0417 1643 00",
        "06-12345678",
        "+31 6 12345678",
        "0031612345678",
        "(020) 1234567",
        "Kerkstraat 12",
        "12 Main Street",
        "Jan Jansen",
        "J. de Vries",
        "de Vries, Jan",
        "Dhr. Bakker",
        "01-02-2015",
        "1 februari 2015",
        "Feb 1, 2015",
        "2015-02-01T10:00",
        "K000123",
        "JGZ-0042",
        "DE89370400440532013000",
        "ab",
        "0,25",
        "12",
        "x y z",
        "veel tekst hier",
        "STRAAT 5",
        "Sept. 3",
        "3rd of may",
        "1e jan",
        "a\tb c",
        "",
    ]
    rng = random.Random(7)
    alphabet = "0123456789 .,-/+@()[]:;'abcdeijklmnostvyzABJKNSTV\t\r\f"
    randoms = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24))) for _ in range(600)]
    for chunk in range(0, len(known) + len(randoms), 50):
        values = pa.array((known + randoms)[chunk : chunk + 50], pa.string())
        assert ids._python_re_applies(values.to_pylist())
        for pattern in patterns:
            re2 = pc.match_substring_regex(values, pattern).to_numpy(zero_copy_only=False)
            assert ids.match_regex(values, pattern).tolist() == re2.tolist(), pattern[:40]
    # non-ASCII, a vertical tab or many values take RE2's path
    assert not ids._python_re_applies(["Ｒ００２"]) and not ids._python_re_applies(["a\x0bb"])
    assert not ids._python_re_applies(["1"] * 65)
