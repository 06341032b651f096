"""Reading and writing the tickets and surveys tables (issue 20): a time of day is kept
from the file to the Book and back, a foreign export's ticket file is read through a
mapping, and masking reaches both tables."""

from __future__ import annotations

import pandas as pd

import kamlib

from .conftest import checksums

ACC = "account_id,branch,status\nA1,Suzhou,active\nA2,Suzhou,churned\n"
TICKETS = (
    "ticket_id,account_id,opened,kind,responded,closed,promised\n"
    "T1,A1,2025-03-01 14:30,complaint,2025-03-01 16:05,,\n"
    "T2,A2,2025-03-03,order,,2025-03-07 11:00:30,2025-03-08\n"
)


def test_a_time_of_day_is_kept_from_the_file_to_the_book_and_back(tmp_path):
    d = tmp_path / "export"
    d.mkdir()
    (d / "accounts.csv").write_text(ACC)
    (d / "tickets.csv").write_text(TICKETS)
    before = checksums(d)
    book = kamlib.load(d)
    assert checksums(d) == before
    t = book.tickets.set_index("ticket_id")
    assert t.loc["T1", "opened"] == pd.Timestamp("2025-03-01 14:30")
    assert t.loc["T2", "opened"] == pd.Timestamp("2025-03-03")  # a date alone: midnight
    assert pd.isna(t.loc["T1", "closed"])  # an open ticket
    assert t.loc["T2", "closed"] == pd.Timestamp("2025-03-07 11:00:30")
    # written back: the times as they were, seconds only where a value has them, and a
    # column of plain dates stays plain
    kamlib.write_book(book, tmp_path / "out")
    lines = (tmp_path / "out" / "tickets.csv").read_text().splitlines()
    assert lines[1] == "T1,A1,2025-03-01 14:30,complaint,2025-03-01 16:05,,"
    assert lines[2] == "T2,A2,2025-03-03 00:00,order,,2025-03-07 11:00:30,2025-03-08"
    again = kamlib.load(tmp_path / "out")
    pd.testing.assert_frame_equal(again.tickets, book.tickets)


def test_a_foreign_ticket_export_is_read_through_a_mapping(tmp_path):
    """A CRM's work orders with its own headers and codes, and its survey answers."""
    (tmp_path / "accounts.csv").write_text(ACC)
    (tmp_path / "工单.csv").write_text(
        "工单号,客户编号,受理时间,工单类型,级别,首次响应,结单时间,渠道\n"
        "W-001,A1,2025/03/01 14:30,投诉,一般,2025/03/01 15:10,2025/03/02 09:00,10000号\n"
        "W-002,A2,2025/03/02 08:45,故障,重大,2025/03/02 09:00,,客户经理\n"
        "W-003,A1,2025年3月5日 10:20,咨询,,2025年3月5日 10:30,2025年3月5日 10:30,网厅\n",
        encoding="utf-8",
    )
    (tmp_path / "回访.csv").write_text(
        "客户编号,回访日期,满意度,类型\nA1,2025-03-03,4,回访\nA2,2025-03-31,2,季度调查\n",
        encoding="utf-8",
    )
    mapping = {
        "tables": {
            "accounts": {
                "file": "accounts.csv",
                "columns": {"account_id": "account_id", "branch": "branch", "status": "status"},
            },
            "tickets": {
                "file": "工单.csv",
                "columns": {
                    "ticket_id": "工单号",
                    "account_id": "客户编号",
                    "opened": "受理时间",
                    "kind": "工单类型",
                    "severity": "级别",
                    "responded": "首次响应",
                    "closed": "结单时间",
                    "channel": "渠道",
                },
                "values": {
                    "kind": {"投诉": "complaint", "故障": "fault", "咨询": "enquiry"},
                    "severity": {"一般": "general", "重大": "major"},
                },
            },
            "surveys": {
                "file": "回访.csv",
                "columns": {
                    "account_id": "客户编号",
                    "date": "回访日期",
                    "score": "满意度",
                    "kind": "类型",
                },
                "values": {"kind": {"回访": "call_back", "季度调查": "quarterly_survey"}},
            },
        }
    }
    before = checksums(tmp_path)
    book = kamlib.load(tmp_path, mapping=mapping)
    assert checksums(tmp_path) == before
    t = book.tickets.set_index("ticket_id")
    assert t["kind"].tolist() == ["complaint", "fault", "enquiry"]
    assert t["severity"].tolist()[:2] == ["general", "major"]
    assert t.loc["W-001", "opened"] == pd.Timestamp("2025-03-01 14:30")
    assert t.loc["W-003", "responded"] == pd.Timestamp("2025-03-05 10:30")
    assert pd.isna(t.loc["W-002", "closed"])
    assert t.loc["W-002", "channel"] == "客户经理"
    s = book.surveys.set_index("account_id")
    assert s.loc["A2", "kind"] == "quarterly_survey" and s.loc["A2", "score"] == 2.0
    assert not [n for n in book.notes if n.table in ("tickets", "surveys")]


def test_masking_reaches_the_tickets_and_surveys():
    book = kamlib.synth(200, seed=1).book
    masked = book.masked(salt="s")
    pseudonym = dict(zip(book.accounts["account_id"], masked.accounts["account_id"], strict=True))
    for table in ("tickets", "surveys"):
        a, m = getattr(book, table), getattr(masked, table)
        assert len(a) == len(m) > 0
        assert m["account_id"].tolist() == a["account_id"].map(pseudonym).tolist()
        assert not set(m["account_id"]) & set(book.accounts["account_id"])
