"""The mapping syntax of issue #18: row_ids, compute and YAML booleans in values keys.

Expected values are computed in each test from the export with plain pandas or by hand.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

import kamlib
from kamlib._settings import ComputeRule, MappingSpec

WIDE = """\
City,Churn,Day Charge,Eve Charge,Night Charge,Intl Charge,Account Length,Calls,Minutes,Year,Month
Boston,No,10.5,5,2,1.25,100,3,30,2024,3
Boston,Yes,20,5,,1,50,0,0,2024,11
Austin,no,1,2,3,4,200,2,10,2023,12
Austin,YES,3,3.5,3,3,12,4,8,2024,1
Denver,True,7,0,1,2,30,5,5,2024,2
"""


def _export(tmp_path: Path, text: str = WIDE, name: str = "wide.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _mapping(tmp_path: Path, accounts: dict, file: str = "wide.csv") -> Path:
    spec = {"tables": {"accounts": {"file": file, **accounts}}}
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


BASE = {"columns": {"branch": "City", "status": "Churn"}}
STATUS = {
    "status": {
        "Yes": "churned",
        "YES": "churned",
        "True": "churned",
        "No": "active",
        "no": "active",
    }
}


def _plain(path: Path) -> pd.DataFrame:
    return pd.read_csv(path)  # pandas' own reading: numbers as numbers, blanks as NaN


# -- row_ids -----------------------------------------------------------------------------
def test_row_ids_are_the_data_lines_of_the_file(tmp_path):
    _export(tmp_path)
    book = kamlib.load(_mapping(tmp_path, {**BASE, "row_ids": True, "values": STATUS}))
    n = len(_plain(tmp_path / "wide.csv"))
    # the header is line 1: the first data row is "2"
    assert book.accounts["account_id"].tolist() == [str(i) for i in range(2, n + 2)]


def test_row_ids_from_an_xlsx_sheet(tmp_path):
    frame = _plain(_export(tmp_path))
    frame.to_excel(tmp_path / "wide.xlsx", index=False, sheet_name="data")
    book = kamlib.load(
        _mapping(tmp_path, {**BASE, "row_ids": True, "values": STATUS}, file="wide.xlsx")
    )
    assert book.accounts["account_id"].tolist() == ["2", "3", "4", "5", "6"]


def test_row_ids_with_a_mapped_account_id_is_refused(tmp_path):
    _export(tmp_path)
    spec = {"columns": {**BASE["columns"], "account_id": "City"}, "row_ids": True}
    with pytest.raises(kamlib.ConfigError, match="row_ids.*account_id"):
        kamlib.load(_mapping(tmp_path, spec))


def test_row_ids_outside_accounts_is_refused():
    spec = {"tables": {"accounts": {"row_ids": True}, "billing": {"row_ids": True}}}
    with pytest.raises(kamlib.ConfigError, match="accounts table only"):
        kamlib.load(Path("."), mapping=spec)


# -- compute -----------------------------------------------------------------------------
def test_compute_sum_difference_product_ratio_times_month(tmp_path):
    raw = _plain(_export(tmp_path))
    compute = {
        "monthly_revenue": {"sum": ["Day Charge", "Eve Charge", "Night Charge", "Intl Charge"]},
        "day_minus_eve": {"difference": ["Day Charge", "Eve Charge"]},
        "day_x_calls": {"product": ["Day Charge", "Calls"]},
        "minutes_per_call": {"ratio": ["Minutes", "Calls"]},
        "tenure_months": {"column": "Account Length", "times": 0.0329},
        "start": {"month_of": ["Year", "Month"]},
    }
    book = kamlib.load(
        _mapping(tmp_path, {**BASE, "row_ids": True, "compute": compute, "values": STATUS})
    )
    acc = book.accounts
    charges = raw[["Day Charge", "Eve Charge", "Night Charge", "Intl Charge"]]
    want = charges.sum(axis=1, min_count=4).where(charges.notna().all(axis=1))
    assert acc["monthly_revenue"].tolist() == pytest.approx(want.tolist(), nan_ok=True)
    assert acc["monthly_revenue"].iloc[0] == pytest.approx(10.5 + 5 + 2 + 1.25)  # by hand
    assert acc["day_minus_eve"].tolist() == pytest.approx(
        (raw["Day Charge"] - raw["Eve Charge"]).tolist()
    )
    assert acc["day_x_calls"].tolist() == pytest.approx((raw["Day Charge"] * raw["Calls"]).tolist())
    per_call = (raw["Minutes"] / raw["Calls"].where(raw["Calls"] != 0)).tolist()
    assert acc["minutes_per_call"].tolist() == pytest.approx(per_call, nan_ok=True)
    assert acc["tenure_months"].tolist() == pytest.approx((raw["Account Length"] * 0.0329).tolist())
    assert acc["start"].tolist() == ["2024-03", "2024-11", "2023-12", "2024-01", "2024-02"]
    # computed values are data arithmetic (recorded as formulas), not assumptions
    assert book.computed == {
        "accounts.account_id": "line in the file",  # row_ids: the ids are line numbers
        "accounts.monthly_revenue": "Day Charge + Eve Charge + Night Charge + Intl Charge",
        "accounts.day_minus_eve": "Day Charge − Eve Charge",
        "accounts.day_x_calls": "Day Charge × Calls",
        "accounts.minutes_per_call": "Minutes / Calls",
        "accounts.tenure_months": "0.0329 × Account Length",
        "accounts.start": "the month of year Year and month Month",
    }
    assert not book.assumed
    # a blank operand and a division by zero are missing values, counted in warnings
    notes = {i.rule: i for i in book.notes if i.rule.startswith("compute")}
    assert notes["compute-blank"].count == int(charges.isna().any(axis=1).sum()) == 1
    assert notes["compute-blank"].rows == ("line 3",)
    assert notes["compute-zero-division"].count == int((raw["Calls"] == 0).sum()) == 1


def test_computed_formula_survives_write_and_prepare(tmp_path):
    _export(tmp_path)
    compute = {"monthly_revenue": {"sum": ["Day Charge", "Eve Charge"]}}
    book = kamlib.load(
        _mapping(tmp_path, {**BASE, "row_ids": True, "compute": compute, "values": STATUS})
    )
    kamlib.write_book(book, tmp_path / "canonical")
    again = kamlib.load(tmp_path / "canonical")
    assert again.computed == {
        "accounts.account_id": "line in the file",
        "accounts.monthly_revenue": "Day Charge + Eve Charge",
    }
    prepared = kamlib.prepare(book, tmp_path / "prepared")
    assert kamlib.load(prepared, branch="Boston").computed == again.computed


def test_compute_operand_not_in_the_export_lists_its_columns(tmp_path):
    _export(tmp_path)
    compute = {"monthly_revenue": {"sum": ["Day Charges", "Eve Charge"]}}
    with pytest.raises(kamlib.ConfigError) as e:
        kamlib.load(_mapping(tmp_path, {**BASE, "row_ids": True, "compute": compute}))
    msg = str(e.value)
    assert "'Day Charges'" in msg and "did you mean 'Day Charge'" in msg
    assert "Account Length" in msg  # the export's own columns, not only the mapped ones


def test_compute_operand_that_is_not_a_number_is_a_data_error(tmp_path):
    _export(tmp_path, WIDE.replace("Austin,no,1,", "Austin,no,n/a,"))
    compute = {"monthly_revenue": {"sum": ["Day Charge", "Eve Charge"]}}
    with pytest.raises(kamlib.DataError) as e:
        kamlib.load(
            _mapping(tmp_path, {**BASE, "row_ids": True, "compute": compute, "values": STATUS})
        )
    issue = next(i for i in e.value.issues if i.rule == "compute-not-a-number")
    assert issue.table == "accounts" and issue.column == "monthly_revenue"
    assert issue.rows == ("line 4",) and issue.file.endswith("wide.csv")
    assert "'Day Charge'" in issue.message and "'n/a'" in issue.message


@pytest.mark.parametrize(
    ("rule", "match"),
    [
        ({"sum": ["A"]}, "two or more"),
        ({"difference": ["A", "B", "C"]}, "exactly two"),
        ({"ratio": ["A"]}, "exactly two"),
        ({"month_of": ["A"]}, "a year and a month"),
        ({"column": "A"}, "go together"),
        ({"sum": ["A", "B"], "product": ["A", "B"]}, "exactly one"),
        ({}, "exactly one"),
    ],
)
def test_compute_rules_are_checked(rule, match):
    with pytest.raises(kamlib.ConfigError, match=match):
        kamlib._settings.check(
            MappingSpec, {"tables": {"accounts": {"compute": {"x": rule}}}}, source="m"
        )


def test_compute_and_columns_for_the_same_target_is_refused():
    spec = {
        "columns": {"monthly_revenue": "A"},
        "compute": {"monthly_revenue": {"sum": ["A", "B"]}},
    }
    with pytest.raises(kamlib.ConfigError, match="both mapped"):
        kamlib._settings.check(MappingSpec, {"tables": {"accounts": spec}}, source="m")


def test_formula_words():
    assert ComputeRule(ratio=["Minutes", "Calls"]).formula() == "Minutes / Calls"


# -- YAML booleans in values keys --------------------------------------------------------
def test_unquoted_yes_no_keys_are_accepted(tmp_path):
    path = _export(tmp_path)
    (tmp_path / "mapping.yaml").write_text(
        "tables:\n"
        "  accounts:\n"
        "    file: wide.csv\n"
        "    row_ids: true\n"
        "    columns: {branch: City, status: Churn}\n"
        "    values:\n"
        "      status: {Yes: churned, No: active}\n",
        encoding="utf-8",
    )
    raw = _plain(path)
    book = kamlib.load(tmp_path / "mapping.yaml")
    # true <-> yes/true/on/y and false <-> no/false/off/n, any case
    want = (
        raw["Churn"]
        .astype(str)
        .str.lower()
        .map({"yes": "churned", "true": "churned", "no": "active"})
    )
    assert book.accounts["status"].tolist() == want.tolist()
    assert book.accounts["status"].tolist() == ["active", "churned", "active", "churned", "churned"]


def test_quoted_keys_match_exactly(tmp_path):
    _export(tmp_path)
    values = {"status": {"Yes": "churned", "No": "active"}}
    with pytest.raises(kamlib.DataError) as e:
        kamlib.load(_mapping(tmp_path, {**BASE, "row_ids": True, "values": values}))
    issue = next(i for i in e.value.issues if i.rule == "unmapped-value")
    assert issue.count == 3 and "'YES'" in issue.message and "'no'" in issue.message
    # the values look like yes/no: the message says how YAML and kamlib read such keys
    assert "unquoted" in issue.message


def test_unmapped_values_with_boolean_keys_say_what_yaml_did(tmp_path):
    _export(tmp_path, WIDE.replace("Boston,No,", "Boston,Stayed,"))
    (tmp_path / "mapping.yaml").write_text(
        "tables:\n"
        "  accounts:\n"
        "    file: wide.csv\n"
        "    row_ids: true\n"
        "    columns: {branch: City, status: Churn}\n"
        "    values:\n"
        "      status: {Yes: churned, No: active}\n",
        encoding="utf-8",
    )
    with pytest.raises(kamlib.DataError) as e:
        kamlib.load(tmp_path / "mapping.yaml")
    issue = next(i for i in e.value.issues if i.rule == "unmapped-value")
    assert issue.count == 1 and issue.rows == ("line 2",) and "'Stayed'" in issue.message
    assert "YAML read it as true" in issue.message and "YAML read it as false" in issue.message


# -- kept columns keep their types -------------------------------------------------------
def test_kept_columns_keep_their_types_from_xlsx(tmp_path):
    raw = pd.DataFrame(
        {
            "City": ["A", "A", "B", "B"],
            "Churn": ["Yes", "No", "No", "Yes"],
            "Referrals": [3, None, 12, 0],  # a number column with a blank cell
            "Offer": ["Offer A", None, "Offer B", "3"],  # text stays text
        }
    )
    raw.to_excel(tmp_path / "export.xlsx", index=False)
    spec = {
        **BASE,
        "row_ids": True,
        "keep": {"Referrals": "referrals", "Offer": "offer"},
        "values": {"status": {"Yes": "churned", "No": "active"}},
    }
    acc = kamlib.load(_mapping(tmp_path, spec, file="export.xlsx")).accounts
    assert acc["referrals"].dtype == "float64"
    assert acc["referrals"].tolist() == pytest.approx([3.0, float("nan"), 12.0, 0.0], nan_ok=True)
    assert not pd.api.types.is_numeric_dtype(acc["offer"])
    assert acc["offer"].tolist()[:1] + acc["offer"].tolist()[2:] == ["Offer A", "Offer B", "3"]
    assert pd.isna(acc["offer"].iloc[1])


def test_a_computed_new_column_is_one_numeric_driver(tmp_path):
    import numpy as np

    rng = np.random.default_rng(7)
    n = 1200
    churned = rng.random(n) < 0.3
    calls = rng.poisson(4, n) + 1
    minutes = calls * (rng.gamma(4, 2, n) + churned * 3)
    pd.DataFrame(
        {
            "City": "X",
            "Churn": np.where(churned, "Yes", "No"),
            "Minutes": minutes.round(1),
            "Calls": calls,
        }
    ).to_csv(tmp_path / "wide.csv", index=False)
    spec = {
        **BASE,
        "row_ids": True,
        "compute": {"minutes_per_call": {"ratio": ["Minutes", "Calls"]}},
        "values": {"status": {"Yes": "churned", "No": "active"}},
    }
    book = kamlib.load(_mapping(tmp_path, spec))
    assert book.accounts["minutes_per_call"].dtype == "float64"
    t = kamlib.churn_drivers(book).table
    # one per-unit term, not one category per value
    assert "minutes_per_call" in t.index
    assert not any(str(i).startswith("minutes_per_call: ") for i in t.index)
    assert t.loc["minutes_per_call", "odds_ratio"] > 1  # longer calls go with churn here


def test_row_ids_from_parquet_count_rows_from_one(tmp_path):
    _plain(_export(tmp_path)).astype(str).to_parquet(tmp_path / "wide.parquet", index=False)
    book = kamlib.load(
        _mapping(tmp_path, {**BASE, "row_ids": True, "values": STATUS}, file="wide.parquet")
    )
    assert book.accounts["account_id"].tolist() == ["1", "2", "3", "4", "5"]


def test_a_yaml_boolean_as_a_target_code_is_explained(tmp_path):
    _export(tmp_path)
    (tmp_path / "mapping.yaml").write_text(
        "tables:\n  accounts:\n    file: wide.csv\n    row_ids: true\n"
        "    columns: {branch: City, status: Churn}\n"
        "    values:\n      status: {'Yes': yes, 'No': no}\n",
        encoding="utf-8",
    )
    with pytest.raises(kamlib.ConfigError, match="YAML reads an unquoted yes/no"):
        kamlib.load(tmp_path / "mapping.yaml")
