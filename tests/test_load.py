"""Loading and validating: the sample, the Maven export through its mapping, broken files."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kamlib
from kamlib.cli import main

from .conftest import ROOT, checksums


def test_sample_loads_with_every_table(sample_book):
    assert sample_book.branches == ["Beijing", "Hangzhou", "Hanzhong", "Kunming", "Suzhou"]
    assert sample_book.missing_tables() == []
    acc = sample_book.accounts
    assert acc["account_id"].is_unique
    assert set(acc["customer_type"]) == {"key_account", "business", "residential"}
    assert pd.api.types.is_datetime64_any_dtype(sample_book.billing["month"])
    assert sample_book.as_of == pd.Timestamp("2025-12-31")


def test_committed_sample_is_the_generator_output(sample_book):
    # the committed CSVs are exactly synth(2000, seed=7): nobody edited them by hand
    gen = kamlib.synth(2000, seed=7).book
    for table in (
        "accounts",
        "billing",
        "costs",
        "usage",
        "contacts",
        "assignments",
        "contracts",
        "tickets",
        "surveys",
    ):
        a = getattr(gen, table).reset_index(drop=True)
        b = getattr(sample_book, table).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b[a.columns], check_dtype=False, atol=0.006)


def test_synth_is_deterministic_and_sized():
    a, b = kamlib.synth(300, seed=3), kamlib.synth(300, seed=3)
    pd.testing.assert_frame_equal(a.book.billing, b.book.billing)
    assert len(a.book.accounts) == 300
    c = kamlib.synth(300, seed=4)
    assert not c.book.billing["revenue"].equals(a.book.billing["revenue"])


def test_loading_never_modifies_inputs(tmp_path):
    before = checksums(ROOT / "data")
    kamlib.load(ROOT / "data")
    assert checksums(ROOT / "data") == before


def test_from_frames_does_not_mutate_input():
    acc = pd.DataFrame(
        {
            "account_id": [" a ", "b"],
            "branch": ["X", "X"],
            "status": ["Active", "churned"],
            "customer_type": ["Key Account", None],
        }
    )
    copy = acc.copy()
    book = kamlib.Book.from_frames(accounts=acc)
    pd.testing.assert_frame_equal(acc, copy)
    assert book.accounts["account_id"].tolist() == ["a", "b"]
    assert book.accounts["customer_type"].tolist()[0] == "key_account"


def test_broken_file_reports_every_problem():
    with pytest.raises(kamlib.DataError) as e:
        kamlib.load(ROOT / "tests" / "data" / "broken")
    rules = {(i.column, i.rule) for i in e.value.issues}
    assert ("customer_type", "unknown-category") in rules
    assert ("account_id", "duplicate-key") in rules
    assert ("join_date", "not-a-date") in rules  # 2023-02-30 does not exist
    assert ("satisfaction", "out-of-range") in rules
    assert ("branch", "required-value") in rules
    assert ("churn_date", "dates-out-of-order") in rules
    bad_type = next(i for i in e.value.issues if i.rule == "unknown-category")
    assert bad_type.rows == ("line 3",) and bad_type.file.endswith("accounts.csv")
    assert "enterprise" in bad_type.message and "key_account" in bad_type.message


def test_unknown_branch_names_the_known_ones(sample_book):
    with pytest.raises(kamlib.DataError, match="Hanzhong"):
        sample_book.branch("Shanghai")


def test_gbk_and_bom_files_are_read(tmp_path):
    text = "account_id,branch,status\nA1,汉中,active\nA2,北京,churned\n"
    for enc, name in (("gbk", "gbk"), ("utf-8-sig", "bom")):
        d = tmp_path / name
        d.mkdir()
        (d / "accounts.csv").write_bytes(text.encode(enc))
        book = kamlib.load(d)
        assert book.branches == ["北京", "汉中"]


def test_gbk_export_of_the_chinese_sample_loads_as_the_utf8_one(tmp_path):
    from kamlib.synth import write_sample

    op = kamlib.synth(300, seed=5, names="zh")
    write_sample(op, tmp_path / "utf8")
    write_sample(op, tmp_path / "gbk", encoding="gbk")
    raw = (tmp_path / "gbk" / "accounts.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):  # really GBK, not UTF-8 under another name
        raw.decode("utf-8")
    assert "苏州".encode("gbk") in raw
    before = checksums(tmp_path / "gbk")
    a, b = kamlib.load(tmp_path / "utf8"), kamlib.load(tmp_path / "gbk")
    assert checksums(tmp_path / "gbk") == before  # the export is read, never rewritten
    assert b.branches == a.branches and sorted(b.branches) == sorted(
        ["苏州", "昆明", "杭州", "北京", "汉中"]
    )
    assert (b.name, b.currency, b.as_of) == (a.name, a.currency, a.as_of)
    for table in (
        "accounts",
        "billing",
        "costs",
        "usage",
        "contacts",
        "assignments",
        "contracts",
        "tickets",
        "surveys",
    ):
        pd.testing.assert_frame_equal(getattr(b, table), getattr(a, table))
    # and the names are the generator's, character for character
    assert b.accounts["name"].tolist() == op.book.accounts["name"].tolist()
    assert [str(n) for n in b.notes] == [
        str(n).replace(str(tmp_path / "utf8"), str(tmp_path / "gbk")) for n in a.notes
    ]


def _maven_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_maven_export_loads_through_its_mapping(maven_book, maven_csv):
    rows = _maven_rows(maven_csv)  # read independently with the csv module
    acc = maven_book.accounts
    assert len(acc) == len(rows) == 7043
    assert int((acc["status"] == "churned").sum()) == sum(
        r["Customer Status"] == "Churned" for r in rows
    )
    assert int((acc["status"] == "churned").sum()) == 1869
    assert acc["branch"].nunique() == len({r["City"] for r in rows})
    assert maven_book.currency == "USD"
    by_cat = acc.loc[acc["status"] == "churned", "churn_category"].value_counts().to_dict()
    assert by_cat == {
        "Competitor": 841,
        "Dissatisfaction": 321,
        "Attitude": 314,
        "Price": 211,
        "Other": 182,
    }
    # every churner has a mapped cause from the taxonomy, and its group
    churned = acc[acc["status"] == "churned"]
    assert churned["churn_cause"].notna().all() and churned["churn_cause_group"].notna().all()
    negative = sum(float(r["Monthly Charge"]) < 0 for r in rows)
    note = next(i for i in maven_book.notes if i.rule == "negative-revenue")
    assert note.count == negative == 120


def test_mapping_to_unknown_category_is_a_config_error(maven_csv, tmp_path):
    spec = kamlib._config.read_yaml(
        kamlib.config_path("mappings/maven_telecom_churn.yaml"), what="m"
    )
    spec["tables"]["accounts"]["values"]["churn_cause"]["Moved"] = "emigrated"
    with pytest.raises(kamlib.ConfigError, match="emigrated"):
        kamlib.load(maven_csv, mapping=spec)


def test_cli_validate_outcomes(capsys, maven_csv, tmp_path):
    assert main(["validate", str(ROOT / "data")]) == 0
    assert main(["validate", str(maven_csv), "--mapping", "maven"]) == 0
    out = capsys.readouterr().out
    assert "negative-revenue" in out
    assert main(["validate", str(ROOT / "tests" / "data" / "broken")]) == 1
    err = capsys.readouterr().err
    assert "accounts.customer_type" in err and "line 3" in err and "Traceback" not in err
    bad = tmp_path / "m.yaml"
    bad.write_text("tables: [unclosed\n")
    assert main(["validate", str(maven_csv), "--mapping", str(bad)]) == 2
    assert "not valid YAML" in capsys.readouterr().err


def test_parsing_once_per_distinct_value_gives_the_row_by_row_result():
    """Codes, dates and months are parsed once per distinct value on big tables; the
    result must be the row-by-row one, missing values and bad values included."""
    from kamlib import _validate as v

    dates = pd.Series(["2024-01-05", "2024年1月5日", "20240105", None, "bad", " 2024/01/05 "] * 50)
    got = v._to_date(dates)
    want = v._parse_dates(v.to_text(dates))
    assert got.equals(want) and got.notna().sum() == 4 * 50
    months = pd.Series(["2024-01", "2024年1月", "202401", "2024-01-17", None, "x"] * 50)
    assert v.to_month(months).equals(v._parse_months(v.to_text(months)))
    codes = pd.Series([" Key Account", "key-account", "SME/Micro", None] * 50)
    assert (
        v.normalise_code(codes).tolist() == ["key_account", "key_account", "sme_micro", pd.NA] * 50
    )
    # dates already typed take their month by numpy's month unit: as pandas' periods do
    stamps = pd.Series(
        pd.to_datetime(
            ["1969-12-15 13:00", "1900-02-28", "2025-03-31 23:59:59.999", None, "2024-02-29"],
            format="mixed",
        ),
        index=[5, 3, 9, 1, 7],
    )
    for unit in ("ns", "us", "s"):
        typed = stamps.astype(f"datetime64[{unit}]")
        want = typed.dt.to_period("M").dt.to_timestamp().astype("datetime64[ns]")
        pd.testing.assert_series_equal(v.to_month(typed), want)
    # a month nanoseconds cannot hold is refused, as the periods refuse it (not wrapped)
    far = pd.Series(np.array(["2300-05-01", "2024-01-01"], dtype="datetime64[s]"))
    with pytest.raises(pd.errors.OutOfBoundsDatetime):
        v.to_month(far)


def test_a_cause_group_without_any_cause_is_read():
    """Every churn_cause blank and a churn_cause_group given (a book rebuilt from a loaded
    Maven export, whose causes are mapped into groups): read, not an UnboundLocalError."""
    acc = pd.DataFrame(
        {
            "account_id": ["a", "b"],
            "branch": ["X", "X"],
            "status": ["active", "churned"],
            "churn_cause": pd.Series([None, None], dtype="string"),
            "churn_cause_group": pd.Series([None, "competitor"], dtype="string"),
        }
    )
    book = kamlib.Book.from_frames(accounts=acc)
    assert book.accounts["churn_cause_group"].tolist()[1] == "competitor"


def test_select_keeps_the_rows_of_the_kept_accounts_whatever_the_id_dtype():
    # Arrow strings (as read from files) go through Arrow's is_in, object ids through
    # pandas' isin: both must keep exactly the fact rows whose account is kept
    import numpy as np

    book = kamlib.load(kamlib.sample_path())
    keep = np.zeros(len(book.accounts), dtype=bool)
    keep[::3] = True
    wanted = set(book.accounts["account_id"][keep])
    for ids in ("string[pyarrow]", object):
        b = kamlib.Book.from_frames(
            accounts=book.accounts.astype({"account_id": ids}),
            billing=book.billing.astype({"account_id": ids}),
            as_of=book.as_of,
        )
        part = b.select(keep)
        expected = [a in wanted for a in book.billing["account_id"]]
        assert part.billing.index.tolist() == book.billing.index[expected].tolist()
        assert set(part.accounts["account_id"]) == wanted


def test_the_branch_of_a_one_branch_book_is_that_book():
    book = kamlib.load(kamlib.sample_path(), branch="Suzhou")
    assert book.branch("Suzhou") is book
    assert len(kamlib.load(kamlib.sample_path()).branch("Suzhou").accounts) == len(book.accounts)
