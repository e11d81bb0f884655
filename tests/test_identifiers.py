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
