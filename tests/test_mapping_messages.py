"""Messages that point the way for a new user's export (issue #18): the export's own
columns, where a file was looked for, blank numbers counted, branch names suggested, and
the revenue note that names a computed formula."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml

import kamlib
from kamlib._i18n import language
from kamlib.cli import EXIT_DATA, main

WIDE = """\
City,Churn,Day Charge,Eve Charge,Tenure,Plan
Boston,No,10.5,5,12,A
Boston,Yes,20,5,,B
Austin,No,1,2,,A
Austin,Yes,3,3.5,40,C
"""


def _write(tmp_path: Path, accounts: dict, text: str = WIDE) -> Path:
    (tmp_path / "wide.csv").write_text(text, encoding="utf-8")
    spec = {"tables": {"accounts": {"file": "wide.csv", **accounts}}}
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


STATUS = {"status": {"Yes": "churned", "No": "active"}}


def test_missing_account_id_lists_the_exports_columns_and_suggests_row_ids(tmp_path):
    path = _write(tmp_path, {"columns": {"branch": "City", "status": "Churn"}, "values": STATUS})
    with pytest.raises(kamlib.DataError) as e:
        kamlib.load(path)
    issues = [i for i in e.value.issues if i.rule == "missing-column"]
    assert len(issues) == 1  # said once, with the export's columns
    msg = issues[0].message
    header = WIDE.splitlines()[0].split(",")
    assert all(c in msg for c in header)  # the export's own columns, not only the mapped
    assert "row_ids: true" in msg


def test_missing_account_id_points_at_the_column_that_looks_like_one(maven_csv):
    spec = kamlib._config.read_yaml(
        kamlib.config_path("mappings/maven_telecom_churn.yaml"), what="m"
    )
    spec = copy.deepcopy(spec)
    del spec["tables"]["accounts"]["columns"]["account_id"]
    with pytest.raises(kamlib.DataError) as e:
        kamlib.load(maven_csv, mapping=spec)
    msg = next(i for i in e.value.issues if i.rule == "missing-column").message
    assert "'Customer ID' looks like an account id" in msg
    assert "Zip Code" in msg and "Number of Dependents" in msg  # unmapped export columns


def test_missing_file_says_where_it_looked_and_relative_to_what(tmp_path):
    path = _write(tmp_path, {"columns": {"branch": "City", "status": "Churn"}})
    text = path.read_text().replace("wide.csv", "customers.xlsx")
    path.write_text(text)
    with pytest.raises(kamlib.DataError) as e:
        kamlib.load(path)
    msg = e.value.issues[0].message
    assert str((tmp_path / "customers.xlsx").resolve()) in msg
    assert "relative to the folder of the mapping file" in msg and "wide.csv" in msg


def test_blank_numeric_cells_are_counted_in_a_warning(tmp_path):
    path = _write(
        tmp_path,
        {
            "row_ids": True,
            "columns": {"branch": "City", "status": "Churn", "tenure_months": "Tenure"},
            "values": STATUS,
        },
    )
    book = kamlib.load(path)
    raw = pd.read_csv(tmp_path / "wide.csv")
    note = next(i for i in book.notes if i.rule == "blank-number")
    assert note.count == int(raw["Tenure"].isna().sum()) == 2
    assert note.rows == ("line 3", "line 4") and note.column == "tenure_months"
    assert "accounts.tenure_months" in note.message and "Tenure" in note.message
    assert book.accounts["tenure_months"].isna().sum() == 2  # missing, not 0
    with language("zh"):
        assert "空白单元格" in note.text


def test_a_branch_in_the_wrong_case_or_misspelt_is_suggested(maven_csv, maven_book):
    with pytest.raises(kamlib.DataError, match="did you mean 'Los Angeles'"):
        maven_book.branch("los angeles")
    with pytest.raises(kamlib.DataError, match="did you mean 'Los Angeles'"):
        maven_book.branch("Los Angelos")
    with pytest.raises(kamlib.DataError) as e:
        maven_book.branch("Atlantis")
    msg = e.value.issues[0].message
    assert "did you mean" not in msg and sorted(maven_book.branches)[0] in msg


def test_kam_report_suggests_the_branch(maven_csv, tmp_path, capsys):
    code = main(
        [
            "report",
            str(maven_csv),
            "--mapping",
            "maven",
            "--branch",
            "los angeles",
            "--out",
            str(tmp_path / "out"),
            "--quiet",
        ]
    )
    assert code == EXIT_DATA
    err = capsys.readouterr().err
    assert "did you mean 'Los Angeles'" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_revenue_note_names_the_computed_formula(tmp_path):
    path = _write(
        tmp_path,
        {
            "row_ids": True,
            "columns": {"branch": "City", "status": "Churn"},
            "compute": {"monthly_revenue": {"sum": ["Day Charge", "Eve Charge"]}},
            "values": STATUS,
        },
    )
    book = kamlib.load(path)
    raw = pd.read_csv(tmp_path / "wide.csv")
    assert book.accounts["monthly_revenue"].sum() == pytest.approx(
        (raw["Day Charge"] + raw["Eve Charge"]).sum()
    )
    notes = kamlib.concentration(book).notes
    assert any("monthly revenue = Day Charge + Eve Charge" in n for n in notes)
    with language("zh"):
        assert any(
            "月收入 = Day Charge + Eve Charge" in n for n in kamlib.concentration(book).notes
        )
    # a mapped (not computed) monthly charge keeps the plain sentence
    plain = kamlib.Book.from_frames(
        accounts=book.accounts.drop(columns=["churn_cause_group"], errors="ignore")
    )
    assert "=" not in plain.revenue_caveat()


def test_readme_table_names_every_mapping_rule_code():
    from .conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## When your data is messy", 1)[1].split("\n## ", 1)[0]
    for rule in (
        "unmapped-value",
        "missing-file",
        "missing-column",
        "compute-not-a-number",
        "compute-not-a-month",
        "compute-blank",
        "compute-zero-division",
        "blank-number",
        "unclassified-cause",
        "unknown-branch",
    ):
        assert f"[{rule}]" in table, rule


def test_the_mapping_docs_examples_are_valid_mappings():
    from kamlib._settings import MappingSpec, check

    from .conftest import ROOT

    doc = (ROOT / "docs" / "mapping.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in doc.split("```yaml\n")[1:]]
    first = yaml.safe_load(blocks[0])
    check(MappingSpec, first, source="docs/mapping.md")
    # the compute example is written under an accounts table; the service tables' beside it
    block = next(b for b in blocks if b.lstrip().startswith("compute:"))
    compute = yaml.safe_load("tables:\n  accounts:\n" + block)
    spec = check(MappingSpec, compute, source="docs/mapping.md")
    assert len(spec.tables.accounts.compute) == 6
    block = next(b for b in blocks if b.lstrip().startswith("tickets:"))
    service = yaml.safe_load("tables:\n  accounts: {file: a.csv}\n" + block)
    spec = check(MappingSpec, service, source="docs/mapping.md")
    assert spec.tables.tickets is not None and spec.tables.surveys is not None


def test_a_required_column_set_by_a_rule_is_not_missing(tmp_path):
    path = _write(
        tmp_path,
        {
            "row_ids": True,
            "columns": {"branch": "City"},
            "derive": [{"column": "status", "value": "active"}],
        },
    )
    book = kamlib.load(path)
    assert (book.accounts["status"] == "active").all()
    assert "accounts.status" in book.assumed
