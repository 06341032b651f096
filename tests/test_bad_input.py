"""The bad-input corpus: each messy export gives one clear message and a documented exit
code from the CLI (0 read, with warnings; 1 data errors; 2 configuration errors), never a
traceback, and the input files are never touched."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from kamlib.cli import main

from .conftest import checksums

ACC = (
    "account_id,branch,status,join_date,churn_date,customer_type\n"
    "A1,Suzhou,active,2020-01-05,,business\n"
    "A2,Suzhou,churned,2019-03-01,2024-05-01,residential\n"
    "A3,Beijing,active,2021-07-09,,key_account\n"
)
BILL = (
    "account_id,month,product,revenue\n"
    "A1,2024-01,mobile,100.5\n"
    "A2,2024-01,mobile,50\n"
    "A3,2024-01,cloud_idc,900\n"
)
TICKETS = (
    "ticket_id,account_id,opened,kind,severity,responded,closed,promised\n"
    "T1,A1,2024-03-01 14:30,complaint,general,2024-03-01 15:00,2024-03-02 10:00,\n"
    "T2,A3,2024-03-04 09:10,fault,major,2024-03-04 09:40,,\n"
    "T3,A3,2024-03-05 11:00,order,,2024-03-05 12:00,2024-03-08 16:00,2024-03-09\n"
)
SURVEYS = (
    "account_id,date,score,kind\n"
    "A1,2024-03-29,4,quarterly_survey\n"
    "A3,2024-03-29,5,quarterly_survey\n"
    "A3,2024-03-10,2,call_back\n"
)
UTF8_AND_GBK = (
    ACC.encode()
    + "A5,北京,active,2020-01-01,,business\n".encode("gbk")
    + "A6,苏州,active,2020-01-01,,business\n".encode()
)
MAPPING_MISSING = (
    "tables:\n  accounts:\n    file: accounts.csv\n    columns: {status: Customer Status}\n"
)
MAPPING_CATEGORY = (
    "tables:\n  accounts:\n    file: accounts.csv\n"
    "    columns: {customer_type: customer_type}\n"
    "    values: {customer_type: {business: enterprise}}\n"
)

MAPPING_TYPO = (
    "tables:\n  accounts:\n    file: accounts.csv\n    colums: {status: Customer Status}\n"
)

# name: (files, extra CLI args, exit code, words the message must hold)
CORPUS = {
    "empty file": ({"accounts.csv": ""}, [], 1, ["accounts.csv", "empty-file"]),
    "header only": (
        {"accounts.csv": ACC.splitlines()[0] + "\n"},
        [],
        1,
        ["accounts.csv", "empty-table", "no rows"],
    ),
    "truncated last line": (
        {"accounts.csv": ACC + "A4,Suzh"},
        [],
        1,
        ["accounts.csv", "truncated-file", "line 5"],
    ),
    "wrong delimiter": (
        {"accounts.csv": ACC.replace(",", ";")},
        [],
        1,
        ["accounts.csv", "wrong-delimiter", "semicolons"],
    ),
    "GBK without declaration": (
        {"accounts.csv": ACC.replace("Suzhou", "苏州").encode("gbk")},
        [],
        0,
        ["no errors"],
    ),
    "BOM": ({"accounts.csv": b"\xef\xbb\xbf" + ACC.encode()}, [], 0, ["no errors"]),
    "mixed encodings": (
        {"accounts.csv": UTF8_AND_GBK},
        [],
        1,
        ["accounts.csv", "mixed-encoding", "line 5"],
    ),
    "duplicated header names": (
        {"accounts.csv": ACC.replace("customer_type", "branch")},
        [],
        1,
        ["accounts.branch", "duplicate-column"],
    ),
    "missing required column": (
        {"accounts.csv": ACC.replace("status", "state")},
        [],
        1,
        ["accounts.status", "missing-column", "state"],
    ),
    "text in a numeric column": (
        {"accounts.csv": ACC, "billing.csv": BILL.replace("100.5", "lots")},
        [],
        1,
        ["billing.csv", "billing.revenue", "not-a-float", "'lots'", "line 2"],
    ),
    "thousands separators and currency signs": (
        {"accounts.csv": ACC, "billing.csv": BILL.replace("100.5", '"¥1,200.50"')},
        [],
        0,
        ["billing.revenue", "formatted-number", "'¥1,200.50' → 1200.5", "line 2"],
    ),
    "mixed date formats": (
        {"accounts.csv": ACC.replace("2021-07-09", "09/07/2021")},
        [],
        1,
        ["accounts.join_date", "not-a-date", "'09/07/2021'", "line 4"],
    ),
    "impossible date": (
        {"accounts.csv": ACC.replace("2021-07-09", "2021-02-30")},
        [],
        1,
        ["accounts.join_date", "not-a-date", "'2021-02-30'", "line 4"],
    ),
    "negative revenue": (
        {"accounts.csv": ACC, "billing.csv": BILL.replace("100.5", "-20")},
        [],
        0,
        ["billing.revenue", "negative-revenue", "line 2"],
    ),
    "missing revenue": (
        {"accounts.csv": ACC, "billing.csv": BILL.replace(",900", ",")},
        [],
        1,
        ["billing.revenue", "required-value", "line 4"],
    ),
    "duplicate account ids": (
        {"accounts.csv": ACC + "A1,Suzhou,active,2020-01-05,,business\n"},
        [],
        1,
        ["accounts.account_id", "duplicate-key", "line 2, line 5"],
    ),
    "billing for unknown accounts": (
        {"accounts.csv": ACC, "billing.csv": BILL + "ZZ9,2024-01,mobile,10\n"},
        [],
        0,
        ["billing.account_id", "unknown-account", "line 5"],
    ),
    "churned without a churn date": (
        {"accounts.csv": ACC.replace("2024-05-01", "")},
        [],
        0,
        ["accounts.churn_date", "churn-without-date", "line 3"],
    ),
    "tickets and surveys, one ticket still open": (
        {"accounts.csv": ACC, "tickets.csv": TICKETS, "surveys.csv": SURVEYS},
        [],
        0,
        ["no errors"],
    ),
    "ticket closed before it was opened": (
        {
            "accounts.csv": ACC,
            "tickets.csv": TICKETS.replace("2024-03-02 10:00", "2024-03-01 10:00"),
        },
        [],
        1,
        ["tickets.csv", "tickets.closed", "date-order", "closed before it was opened", "line 2"],
    ),
    "ticket answered before it was opened": (
        {"accounts.csv": ACC, "tickets.csv": TICKETS.replace("2024-03-04 09:40", "2024-03-03")},
        [],
        1,
        ["tickets.csv", "tickets.responded", "date-order", "answered before", "line 3"],
    ),
    "order promised for before it was opened": (
        {"accounts.csv": ACC, "tickets.csv": TICKETS.replace("2024-03-09", "2024-03-01")},
        [],
        0,
        ["tickets.csv", "tickets.promised", "date-order", "promised for a date before", "line 4"],
    ),
    "survey score outside 1-5": (
        {"accounts.csv": ACC, "surveys.csv": SURVEYS.replace(",5,", ",10,")},
        [],
        1,
        ["surveys.csv", "surveys.score", "out-of-range", "outside 1-5", "line 3"],
    ),
    "tickets for unknown accounts": (
        {"accounts.csv": ACC, "tickets.csv": TICKETS + "T4,ZZ9,2024-03-06 10:00,enquiry,,,,\n"},
        [],
        0,
        ["tickets.csv", "tickets.account_id", "unknown-account", "line 5"],
    ),
    "surveys of unknown accounts": (
        {"accounts.csv": ACC, "surveys.csv": SURVEYS + "ZZ9,2024-03-29,3,quarterly_survey\n"},
        [],
        0,
        ["surveys.csv", "surveys.account_id", "unknown-account", "line 5"],
    ),
    "unknown ticket kind": (
        {"accounts.csv": ACC, "tickets.csv": TICKETS.replace(",fault,", ",repair,")},
        [],
        1,
        ["tickets.csv", "tickets.kind", "unknown-category", "'repair'", "line 3"],
    ),
    "unknown ticket severity": (
        {"accounts.csv": ACC, "tickets.csv": TICKETS.replace(",major,", ",critical,")},
        [],
        1,
        ["tickets.csv", "tickets.severity", "unknown-category", "'critical'", "line 3"],
    ),
    "unknown survey kind": (
        {"accounts.csv": ACC, "surveys.csv": SURVEYS.replace(",call_back", ",mystery_shopper")},
        [],
        1,
        ["surveys.csv", "surveys.kind", "unknown-category", "'mystery_shopper'", "line 4"],
    ),
    "mapping that is not YAML": (
        {"accounts.csv": ACC, "m.yaml": "tables: [unclosed\n"},
        ["--mapping", "{d}/m.yaml"],
        2,
        ["m.yaml", "not valid YAML", "line 2"],
    ),
    "mapping naming a missing column": (
        {"accounts.csv": ACC, "m.yaml": MAPPING_MISSING},
        ["--mapping", "{d}/m.yaml"],
        2,
        ["m.yaml", "'Customer Status' not found", "accounts.csv"],
    ),
    "mapping to an unknown category": (
        {"accounts.csv": ACC, "m.yaml": MAPPING_CATEGORY},
        ["--mapping", "{d}/m.yaml"],
        2,
        ["m.yaml", "enterprise"],
    ),
    "mapping with a misspelt key": (
        {"accounts.csv": ACC, "m.yaml": MAPPING_TYPO},
        ["--mapping", "{d}/m.yaml"],
        2,
        ["m.yaml", "tables.accounts.colums", "did you mean columns?"],
    ),
    "mapping with a value of the wrong type": (
        {
            "accounts.csv": ACC,
            "m.yaml": MAPPING_MISSING.replace("columns: {", "columns: [{").replace("}\n", "}]\n"),
        },
        ["--mapping", "{d}/m.yaml"],
        2,
        ["m.yaml", "tables.accounts.columns must be a mapping"],
    ),
    "operator.yaml with a misspelt key": (
        {"accounts.csv": ACC, "operator.yaml": "name: X\ncurency: CNY\n"},
        [],
        2,
        ["operator.yaml", "unknown key curency", "did you mean currency?"],
    ),
}


def _write(d, files):
    d.mkdir()
    for name, content in files.items():
        (d / name).write_bytes(content if isinstance(content, bytes) else content.encode())


@pytest.mark.parametrize("case", list(CORPUS))
def test_bad_input_gets_one_clear_message(case, tmp_path, capsys):
    files, extra, code, words = CORPUS[case]
    d = tmp_path / "export"
    _write(d, files)
    before = checksums(d)
    got = main(["validate", str(d), *[a.format(d=d) for a in extra]])
    out = capsys.readouterr()
    text = out.out + out.err
    assert got == code, text
    for w in words:
        assert w in text, (w, text)
    assert "Traceback" not in text
    assert checksums(d) == before  # the input is only read


def test_xlsx_with_several_sheets_asks_which(tmp_path, capsys):
    d = tmp_path / "export"
    d.mkdir()
    acc = pd.read_csv(io.StringIO(ACC))
    with pd.ExcelWriter(d / "accounts.xlsx") as xw:
        acc.to_excel(xw, sheet_name="notes", index=False)
        acc.to_excel(xw, sheet_name="accounts2", index=False)
    assert main(["validate", str(d)]) == 1
    err = capsys.readouterr().err
    assert "which-sheet" in err and "notes, accounts2" in err and "sheet:" in err


@pytest.mark.parametrize("branch", ["Atlantis", ""])
def test_a_branch_with_no_accounts_is_refused_before_any_report(branch, tmp_path, capsys):
    d = tmp_path / "export"
    _write(d, {"accounts.csv": ACC})
    code = main(["report", str(d), "--branch", branch, "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and "unknown-branch" in err and "Beijing, Suzhou" in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


# option: (file name, content with a typo, words the message must hold)
SETTINGS_TYPOS = {
    "--costs": (
        "costs.yaml",
        "drivers:\n  service_tickets: {kind: quantity, rat: 120}\n",
        ["costs.yaml", "drivers.service_tickets.rat", "kind, rate, unit", "did you mean rate?"],
    ),
    "--tiers": (
        "tiers.yaml",
        "tiers:\n  - {code: small, uper: 5000}\n  - {code: large}\n",
        ["tiers.yaml", "tiers[1].uper", "did you mean upper?"],
    ),
    "--estimates": (
        "mine.yaml",
        "estimates:\n  - {segment: gold, lever: cross-sell, probabilty: 0.5}\n",
        ["mine.yaml", "estimates[1].probabilty", "did you mean probability?"],
    ),
    "--mapping": (
        "m.yaml",
        MAPPING_TYPO,
        ["m.yaml", "tables.accounts.colums", "did you mean columns?"],
    ),
}


@pytest.mark.parametrize("option", list(SETTINGS_TYPOS))
def test_a_settings_file_with_a_typo_stops_kam_report_with_exit_2(option, tmp_path, capsys):
    name, text, words = SETTINGS_TYPOS[option]
    d = tmp_path / "export"
    _write(d, {"accounts.csv": ACC, name: text})
    before = checksums(d)
    out = tmp_path / "out"
    code = main(["report", str(d), option, str(d / name), "--out", str(out), "--quiet"])
    got = capsys.readouterr()
    text = got.out + got.err
    assert code == 2, text
    assert "configuration error" in text
    for w in words:
        assert w in text, (w, text)
    assert "Traceback" not in text
    assert not out.exists() or not any(out.iterdir())  # stopped before any report
    assert checksums(d) == before
