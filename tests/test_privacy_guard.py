"""The identifier guard on identifiers as people and spreadsheets write them (docs/privacy.md).

Each rule has cases that must be refused and neighbours that must pass; a corpus of whole files
(CSV, .xlsx, Parquet) goes through `signalering evaluate`: a refusal exits 3 with one message on
stderr, writes nothing, and no planted value appears anywhere in what it prints.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import evaluate
from hypothesis import given
from hypothesis import strategies as st

from signalering.cli import main
from signalering.errors import InputError
from signalering.ingest.identifiers import check_identifiers, iban_ok, name_kind

N = 30  # records per planted file: enough for evaluate to run on the legitimate ones


def base(n: int = N) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "record_id": [f"P{i:05d}" for i in range(n)],
            "reference": (np.arange(n) % 3 == 0).astype(int).astype(str),
            "score": rng.integers(0, 10, n).astype(str),
        },
        dtype="string",
    )


def planted(column: str, value: str, row: int = 4, filler: str | None = "x") -> pd.DataFrame:
    df = base()
    df[column] = pd.array([filler] * N, dtype="string")
    df.loc[row - 1, column] = value
    return df


def refusal(df: pd.DataFrame, **kw) -> InputError | None:
    try:
        check_identifiers(df, "records.csv", **kw)
    except InputError as exc:
        return exc
    return None


# ------------------------------------------------------------------ values, rule by rule
VALUES_REFUSED = {
    "BSN": [
        "7996.42.630",
        "799 642 630",
        "799-642-630",
        "799642630.0",
        "7.9964263E+08",
        "'799642630",
        "bsn moeder 799642630",
        "\uff17\uff19\uff19\uff16\uff14\uff12\uff16\uff13\uff10",
        "111222333",
        "1112.22.333",
        "10000008",
        "799,642,630",
    ],
    "date": [
        "1-2-15",
        "01/02/15",
        "1 februari 2015",
        "Feb 1, 2015",
        "2015-02-01T10:00:00Z",
        "2015-02-01T10:00:00+01:00",
        "2015-02-01T10:00:00.123",
        "2015-02-01 00:00:00",
        "01-02-2015",
        "1.2.2015",
        "3 mrt 2016",
        "March 3rd, 2016",
        "12-okt-2014",
        "geboren op 01-02-2015",
        "01.02.15",
        "2015-2-1",
    ],
    "postcode": [
        "1234 AB",
        "1234AB",
        "1234  AB",
        "1234-AB",
        "1234 AB Utrecht",
        "9999zz",
        "woont in 3511 AB",
        "postcode 3511ab",
    ],
    "e-mail": ["jan@example.nl", "mail: a.b-c@sub.example.com graag", "J.JANSEN@GMAIL.COM", "j.jansen [at] gmail.com"],
    "IBAN": [
        "NL91ABNA0417164300",
        "NL91 ABNA 0417 1643 00",
        "nl91abna0417164300",
        "GB82 WEST 1234 5698 7654 32",
        "rek NL91ABNA0417164300 betaald",
        "NL91-ABNA-0417-1643-00",
    ],
    "phone": [
        "06-12345678",
        "+31 6 12345678",
        "0612345678",
        "020-1234567",
        "(020) 123 4567",
        "0031612345678",
        "bel 06 12 34 56 78",
        "06 - 123 456 78",
        "06.12.34.56.78",
        "010 - 123 45 67",
    ],
    "street": ["Kerkstraat 12", "Dorpsweg 3a", "woont Lange Nieuwstraat 101", "Stationsplein 1", "12 Main Street"],
    "name": [
        "Jan Jansen",
        "Fatima El Amrani",
        "Emma de Vries",
        "Lisa van den Berg",
        "moeder Anna Bakker belde",
        "J. Jansen",
        "A.B. de Vries",
        "lieke van den berg",
        "Jansen, Jan",
        "Bakker, J.",
        "Mw. Jansen",
        "Zo\u00eb van Dijk",
        "\u00d6mer Y\u0131ld\u0131z",
    ],
}
EXPECTED_KIND = {
    "BSN": "BSN",
    "date": "full date",
    "postcode": "postcode",
    "e-mail": "e-mail",
    "IBAN": "IBAN",
    "phone": "phone",
    "street": "street address",
    "name": "personal name",
}


@pytest.mark.parametrize("family, value", [(f, v) for f, vs in VALUES_REFUSED.items() for v in vs])
def test_identifier_values_are_refused_with_column_row_and_kind(family, value):
    exc = refusal(planted("remark", value))
    assert exc is not None, f"{family} written as {value!r} passed"
    assert (exc.file, exc.column, exc.row) == ("records.csv", "remark", 4)
    assert EXPECTED_KIND[family] in exc.reason
    assert value not in str(exc) and value.strip("'") not in str(exc)


VALUES_PASSING = [
    "0.123456782",  # nine decimals of a probability: not a BSN
    "12345678.5",
    "123456789",
    "111222334",  # not integers, or failing the 11-check
    "2015-03",
    "februari 2015",
    "2015",  # year-month and year are allowed
    "0-1",
    "12-17",
    "4-11",  # age bands
    "3500 gr",
    "1000 ml",  # quantities, not postcodes
    "1234",  # PC4
    "ab12345678cd",
    "P-12345678",
    "JGZ/12345678",  # pseudonyms with letters
    "NL91ABNA0417164301",  # fails mod 97
    "a@b",
    "yes",
    "site03",
    "hoog",
    "Kerkstraat",  # no house number
    "Capelle aan den IJssel",
]


@pytest.mark.parametrize("value", VALUES_PASSING)
def test_neighbours_of_identifiers_pass(value):
    assert refusal(planted("code", value)) is None


def test_iban_checksum():
    assert iban_ok("NL91 ABNA 0417 1643 00") and iban_ok("DE89370400440532013000")
    assert not iban_ok("NL91 ABNA 0417 1643 01") and not iban_ok("NL00")
    # a pseudonym of two letters and digits passes mod 97 about once in 97: only registered countries count
    assert not iban_ok("KA22" + "0123456789012") and iban_ok("DE89 3704 0044 0532 0130 00")


@given(st.integers(10_000_000, 999_999_999))
def test_a_bsn_is_refused_however_a_spreadsheet_writes_it(number):
    s = f"{number:09d}"
    total = sum(int(c) * w for c, w in zip(s, (9, 8, 7, 6, 5, 4, 3, 2, -1)))
    valid = total % 11 == 0
    for written in (s, f"{s[:3]} {s[3:6]} {s[6:]}", f"{s[:4]}.{s[4:6]}.{s[6:]}", f"{float(number):.8E}", f"{number}.0"):
        if written.endswith("E+08") and float(written) != number:
            continue  # 8 significant digits cannot hold every 9-digit number
        assert (refusal(planted("code", written)) is not None) == valid, written


# ------------------------------------------------------------------ column names
@pytest.mark.parametrize(
    "column, kind",
    [
        ("kindnaam", "name"),
        ("moedernaam", "name"),
        ("voorletters", "name"),
        ("tussenvoegsel", "name"),
        ("naam", "name"),
        ("Achternaam kind", "name"),
        ("first_name", "name"),
        ("lastName", "name"),
        ("woonplaats", "address"),
        ("adres", "address"),
        ("straatnaam", "address"),
        ("huisnr", "address"),
        ("telnr", "phone"),
        ("GSM", "phone"),
        ("mobielnummer", "phone"),
        ("TelefoonOuder", "phone"),
        ("phone_mother", "phone"),
        ("emailOuder", "e-mail"),
        ("e_mail", "e-mail"),
        ("E-mailadres", "e-mail"),
        ("geboorte_dag_maand_jaar", "date of birth"),
        ("geboortedatum", "date of birth"),
        ("dob", "date of birth"),
        ("GebDatum", "date of birth"),
        ("bsn_kind", "BSN"),
        ("BSNmoeder", "BSN"),
        ("burgerservicenummer", "BSN"),
        ("IBAN", "bank"),
        ("rekeningnummer", "bank"),
        ("postcode", "postcode"),
        ("zip", "postcode"),
        ("citizen_service_number", "BSN"),
        ("burgerservicenr", "BSN"),
        ("06-nummer", "phone"),
        ("verblijfplaats", "place"),
        ("woonplaats_kind", "place"),
        ("contactpersoon", "name"),
    ],
)
def test_identifier_column_names_are_refused(column, kind):
    exc = refusal(planted(column, "x1", filler="x2"))
    assert (
        exc is not None
        and exc.column == column
        and kind in exc.reason
        and "column name" in exc.reason
        or (kind == "postcode" and "PC4" in exc.reason)
    )


@pytest.mark.parametrize(
    "column, values",
    [
        ("gemeente_naam", ["Den Haag", "Bergen op Zoom", "Utrecht"]),
        ("site_name", ["Noord", "Zuid", "Oost"]),
        ("instrument_name", ["SDQ parent form", "risk checklist v2", "LIRIK"]),
        ("mail_contact", ["ja", "nee", "ja"]),
        ("telefonisch_contact", ["0", "1", "1"]),
        ("naam_bekend", ["yes", "no", "no"]),
        ("birth_year", ["2015", "2016", "2017"]),
        ("geboortegewicht", ["3500", "2900", "3100"]),
        ("postcode", ["1234", "2345", None]),
        ("candidate_score", ["12345", "23456", "34567"]),  # 'date' inside a word is not a date name
        ("age_months", ["9", "10", "11"]),
        ("instrument_name", ["SPARK 2.0", "SDQ", "LIRIK 1.1"]),  # a version, not a house number
        ("schoolnaam", ["Willem de Zwijgerschool", "De Regenboog", "Het Kompas"]),  # things named after people
        ("site_name", ["Locatie Jan van Galenstraat", "Noord", "Zuid"]),
        ("wijk_naam", ["Jan van Galenbuurt", "Oost", "West"]),
        ("pc4_woonplaats", ["1234", "2345", "3456"]),  # PC4 of residence is the allowed substitute
        ("GSM_gebruik_uren", ["3", "2", "1.5"]),  # hours of phone use, not a number to call
        ("tel_score", ["12", "3", "0"]),
        ("town", ["Utrecht", "Zeist", "Houten"]),  # a municipality, like gemeente
        ("plaatsnaam", ["Den Haag", "Delft", "Leiden"]),
    ],
)
def test_research_columns_pass(column, values):
    df = base(3)
    df[column] = pd.array(values, dtype="string")
    assert refusal(df) is None


def test_date_named_columns_refuse_compact_dates_and_excel_serials():
    assert "full date" in refusal(planted("bezoekdatum", "20150201", filler="20150301")).reason
    assert "Excel date serial" in refusal(planted("visit_date", "42036", filler="42037")).reason
    assert refusal(planted("score_total", "42036", filler="1")) is None


def test_name_kind_handles_camel_case_and_compounds():
    assert name_kind("NaamVader") == "name" and name_kind("schoolnaam") is None
    assert name_kind("TelefoonnummerOuder") == "phone number" and name_kind("telefonisch") is None


# ------------------------------------------------------------------ free text, drop, coded
REMARKS = [
    "gesprek met moeder gehad",
    "belt terug volgende week",
    "zorgen over slaap en eten",
    "geen bijzonderheden gemeld",
    "vader niet aanwezig bij bezoek",
]


def test_free_text_is_refused_with_how_to_drop_it():
    df = base(5)
    df["opmerking"] = pd.array(REMARKS, dtype="string")
    exc = refusal(df)
    assert exc is not None and exc.column == "opmerking" and "free text" in exc.reason
    assert "data.drop" in exc.reason and "--drop" in exc.reason
    assert refusal(df, drop=["opmerking"]) is None


def test_repeated_multi_word_categories_are_not_free_text():
    df = base()
    df["opleiding"] = pd.array(
        (["hoger onderwijs", "lager onderwijs", "middelbaar beroeps onderwijs"] * N)[:N], dtype="string"
    )
    assert refusal(df) is None


def test_declared_codes_exempt_only_from_the_free_text_rule():
    df = base(5)
    df["toelichting"] = pd.array(REMARKS, dtype="string")
    assert refusal(df, coded=["toel*"]) is None
    df.loc[2, "toelichting"] = "Jan Jansen"
    assert "personal name" in refusal(df, coded=["toel*"]).reason


# ------------------------------------------------------------------ typed columns (Parquet) and headers
@pytest.mark.parametrize(
    "series, kind",
    [
        (pd.Series([1.0, 799642630.0, 2.0]), "BSN"),
        (pd.Series([1, 799642630, 2], dtype="int64"), "BSN"),
        (pd.Series(pd.to_datetime(["2015-02-01", "2016-03-04", None])), "date"),
        (pd.Series(pd.to_datetime(["2015-02-01 10:00", None, None]).tz_localize("Europe/Amsterdam")), "date"),
    ],
)
def test_typed_columns_are_checked_by_their_type(series, kind):
    df = pd.DataFrame({"record_id": ["a", "b", "c"], "col": series})
    exc = refusal(df)
    assert exc is not None and kind in exc.reason


def test_typed_numbers_that_are_not_identifiers_pass():
    df = pd.DataFrame({"record_id": ["a", "b", "c"], "score": [0.5, 12.0, np.nan], "n": [1, 2, 3]})
    assert refusal(df) is None


@pytest.mark.parametrize(
    "header",
    [
        ["111222333", "1", "3"],
        ["R1", "2015-02-01", "x"],
        ["Jan Jansen", "1", "2"],
        ["a@b.nl", "1", "0"],
        ["1", "0", "3"],
    ],
)
def test_a_record_read_as_header_is_refused_without_naming_it(header):
    df = pd.DataFrame([["R2", "0", "1"]], columns=header, dtype="string")
    exc = refusal(df)
    assert exc is not None and exc.column is None and "header" in exc.reason
    for cell in header:
        if len(cell) > 1:
            assert cell not in str(exc)


# ------------------------------------------------------------------ whole files through `signalering evaluate`
def _write(df: pd.DataFrame, path: Path, fmt: str) -> Path:
    if fmt == "csv":
        df.to_csv(path, index=False)
    elif fmt == "csv-semicolon-cp1252":
        df.to_csv(path, index=False, sep=";", encoding="cp1252")
    elif fmt == "xlsx":
        df.to_excel(path, index=False)
    else:
        df.to_parquet(path, index=False)
    return path


SUFFIX = {"csv": ".csv", "csv-semicolon-cp1252": ".csv", "xlsx": ".xlsx", "parquet": ".parquet"}
CORPUS_REFUSED = [
    ("remark", "799 642 630"),
    ("remark", "bsn moeder 7996.42.630"),
    ("visit", "01/02/15"),
    ("wijk", "1234-AB"),
    ("remark", "mail: ouder@example.nl"),
    ("remark", "NL91 ABNA 0417 1643 00"),
    ("remark", "+31 6 12345678"),
    ("remark", "Kerkstraat 12"),
    ("remark", "Jan Jansen"),
    ("kindnaam", "Sanne"),
    ("TelefoonOuder", "0612345678"),
]


@pytest.mark.parametrize("fmt", ["csv", "csv-semicolon-cp1252", "xlsx", "parquet"])
@pytest.mark.parametrize("column, value", CORPUS_REFUSED)
def test_corpus_refused_by_evaluate_exit_3_nothing_written_no_value_echoed(tmp_path, capsys, fmt, column, value):
    path = _write(planted(column, value), tmp_path / f"records{SUFFIX[fmt]}", fmt)
    out = tmp_path / "out"
    code = main(["evaluate", "--records", str(path), "--score", "score", "--reference", "reference", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 3
    assert captured.err.count("\n") == 1 and "refused" in captured.err
    assert value not in captured.err + captured.out
    assert not out.exists()


def test_excel_cells_numeric_text_and_date_formatted_are_refused(tmp_path, capsys):
    from openpyxl import Workbook

    for cell, kind in [
        (799642630, "BSN"),
        ("799642630", "BSN"),
        (dt.datetime(2015, 2, 1), "full date"),
        (dt.date(2015, 2, 1), "full date"),
    ]:
        wb = Workbook()
        ws = wb.active
        ws.append(["record_id", "reference", "score", "extra"])
        for i in range(N):
            ws.append([f"P{i}", i % 2, i % 5, cell if i == 3 else 1])
        path = tmp_path / "cells.xlsx"
        wb.save(path)
        code = evaluate(str(path), str(tmp_path / "o"))
        err = capsys.readouterr().err
        assert code == 3 and kind in err and "row 4" in err and "column 'extra'" in err


def test_headerless_csv_is_refused_without_quoting_the_record(tmp_path, capsys):
    path = tmp_path / "noheader.csv"
    path.write_text("111222333,1,3\n123456782,0,2\n", encoding="utf-8")
    code = evaluate(str(path), str(tmp_path / "o"))
    err = capsys.readouterr().err
    assert code == 3 and "header" in err and "111222333" not in err


@pytest.mark.parametrize("fmt", ["csv", "csv-semicolon-cp1252", "xlsx", "parquet"])
def test_legitimate_research_files_are_accepted(tmp_path, fmt):
    df = base()
    df["gemeente_naam"] = pd.array((["Den Haag", "Bergen op Zoom", "Utrecht"] * N)[:N], dtype="string")
    df["mail_contact"] = pd.array((["ja", "nee"] * N)[:N], dtype="string")
    df["age_band"] = pd.array((["0-1", "2-3", "4-11", "12-17"] * N)[:N], dtype="string")
    df["birth_year"] = pd.array([str(2010 + i % 8) for i in range(N)], dtype="string")
    df["pc4"] = pd.array([str(1000 + 37 * i) for i in range(N)], dtype="string")
    path = _write(df, tmp_path / f"ok{SUFFIX[fmt]}", fmt)
    assert evaluate(str(path), str(tmp_path / "o")) == 0


def test_drop_lets_a_free_text_column_through_the_door_and_nowhere_else(tmp_path, capsys):
    df = base()
    df["opmerking"] = pd.array([f"gesprek {i} met moeder over slaap" for i in range(N)], dtype="string")
    path = _write(df, tmp_path / "remarks.csv", "csv")
    argv = [
        "evaluate",
        "--records",
        str(path),
        "--score",
        "score",
        "--reference",
        "reference",
        "--out",
        str(tmp_path / "o"),
    ]
    assert main(argv) == 3 and "--drop" in capsys.readouterr().err
    assert main(argv + ["--drop", "opmerking"]) == 0
    assert "gesprek" not in (tmp_path / "o" / "accuracy.json").read_text()
    assert main(argv + ["--drop", "no_such_column"]) == 2


@pytest.mark.parametrize("first_line", ["111222333,111222333,1", "Jan Jansen,0,0"])
def test_headerless_csv_with_repeated_cells_names_no_cell(tmp_path, capsys, first_line):
    path = tmp_path / "noheader.csv"
    path.write_text(first_line + "\n123456782,0,2\n", encoding="utf-8")
    code = evaluate(str(path), str(tmp_path / "o"))
    err = capsys.readouterr().err
    assert code == 3 and "header" in err
    assert all(cell not in err for cell in first_line.split(",") if len(cell) > 1)


@pytest.mark.parametrize(
    "column, values, kind",
    [
        ("extra", [1.5] * (N - 1) + [799642630.0], "BSN"),
        ("extra", [1] * (N - 1) + [799642630], "BSN"),
        ("moment", pd.to_datetime(["2015-02-01 10:00"] * N, utc=True), "full date"),
        ("moment", pd.to_datetime(["2015-02-01"] * N), "full date"),
        ("dag", pd.to_datetime(["2015-02-01"] * N).date, "full date"),
    ],
)
def test_typed_parquet_columns_through_evaluate(tmp_path, capsys, column, values, kind):
    df = base().astype({"score": "int64", "reference": "int64"})
    df[column] = values
    path = tmp_path / "typed.parquet"
    df.to_parquet(path, index=False)
    code = evaluate(str(path), str(tmp_path / "o"))
    err = capsys.readouterr().err
    assert code == 3 and kind in err and f"column '{column}'" in err and "799642630" not in err


@pytest.mark.parametrize(
    "planted, kind",
    [
        ("123456782", "BSN"),
        ("ouder@example.nl", "e-mail"),
        ("NL91ABNA0417164300", "IBAN"),
        ("DE89370400440532013000", "IBAN"),
    ],
)
def test_identifier_among_a_million_style_id_column_is_found(planted, kind):
    """A column of mostly distinct pseudonymous ids is checked value by value (no distinct step): an
    identifier planted late among them is still refused, at its row."""
    n = 200_000
    ids = pd.Series([f"K{i:07d}" for i in range(n)], dtype="string")
    ids.iloc[150_000] = planted
    frame = pd.DataFrame({"record_id": ids, "score": pd.Series(["1"] * n, dtype="string")})
    with pytest.raises(InputError) as exc:
        check_identifiers(frame, "f.csv")
    assert exc.value.row == 150_001 and exc.value.column == "record_id" and kind in str(exc.value)
    assert planted not in str(exc.value)
    ids.iloc[150_000] = "JGZ-0042"
    check_identifiers(pd.DataFrame({"record_id": ids, "score": frame["score"]}), "f.csv")
