"""A large generated operator written in parts (kamlib.synth.write_synth, kam synth
--chunk): one valid operator, whatever the part size."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pandas as pd
import pytest

import kamlib
from kamlib.synth import write_synth

BRANCHES = {"Beijing": 0.5, "Suzhou": 0.3, "Kunming": 0.2}


def _digest(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("parts")
    write_synth(folder, 2001, seed=3, branches=BRANCHES, chunk=350)
    return folder


def test_parts_make_one_valid_operator(parts):
    b = kamlib.load(parts)  # validates: unique keys, no orphan rows, dates in order
    acc = b.accounts
    assert len(acc) == 2001 and acc["account_id"].is_unique
    # the shares by largest remainder: 1000.5, 600.3, 400.2 -> 1001, 600, 400
    assert acc["branch"].value_counts().to_dict() == {
        "Beijing": 1001,
        "Suzhou": 600,
        "Kunming": 400,
    }
    assert acc["account_id"].str.fullmatch(r"A\d{7}").all()
    ids = set(acc["account_id"])
    for table in ("billing", "costs", "usage", "tickets", "surveys", "assignments", "contracts"):
        if b.has(table):
            assert set(b.table(table)["account_id"]) <= ids, table
    t = b.table("tickets")
    assert t["ticket_id"].is_unique
    # each part's accounts keep their own branch: tickets of an account are its branch's
    part_of = acc.set_index("account_id")["branch"]
    assert part_of.reindex(t["account_id"]).notna().all()
    house = acc[acc["name"].astype(str).str.startswith("Household ")]
    assert (house["name"] == "Household " + house["account_id"]).all()
    # every part is a whole operator of its branch: churners, key accounts in each
    for _, g in acc.groupby("branch"):
        assert (g["status"] == "churned").any() and (g["customer_type"] == "key_account").any()


def test_parts_are_deterministic_and_the_cli_writes_the_same(parts, tmp_path):
    again = tmp_path / "again"
    write_synth(again, 2001, seed=3, branches=BRANCHES, chunk=350)
    assert _digest(again) == _digest(parts)
    other = tmp_path / "other"
    write_synth(other, 2001, seed=4, branches=BRANCHES, chunk=350)
    assert _digest(other)["billing.csv"] != _digest(parts)["billing.csv"]
    cli = tmp_path / "cli"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "kamlib.cli",
            "synth",
            str(cli),
            "--accounts",
            "500",
            "--chunk",
            "200",
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert len(pd.read_csv(cli / "accounts.csv")) == 500
    bad = subprocess.run(
        [sys.executable, "-m", "kamlib.cli", "synth", str(tmp_path / "x"), "--accounts", "50",
         "--chunk", "20", "--encoding", "gbk"],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert bad.returncode == 2 and "UTF-8 only" in bad.stderr and "Traceback" not in bad.stderr


def test_a_part_as_large_as_the_branch_is_synth_of_that_branch(tmp_path):
    import numpy as np

    write_synth(tmp_path, 300, seed=5, branches={"Beijing": 1.0}, chunk=1000)
    one = kamlib.synth(
        300,
        seed=int(np.random.SeedSequence([5, 0]).generate_state(1)[0]),
        branches={"Beijing": 1.0},
    )
    got = pd.read_csv(tmp_path / "billing.csv")
    kamlib.write_book(one.book, tmp_path / "plain")
    want = pd.read_csv(tmp_path / "plain" / "billing.csv")
    pd.testing.assert_frame_equal(got, want)


def test_a_part_size_below_one_is_refused(tmp_path):
    with pytest.raises(ValueError, match="at least 1"):
        write_synth(tmp_path, 10, chunk=0)
