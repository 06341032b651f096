"""Settings that reject typos: every rules file and override is checked by its model.

An unknown key is a ConfigError naming the file (or the function a dict was passed to),
the key's full path, the keys allowed there and the nearest one; a wrong type names the
key and the type expected. The thresholds that moved from Python into YAML still change
results when overridden.
"""

from __future__ import annotations

import pandas as pd
import pytest

import kamlib
from kamlib import _settings as S
from kamlib import profit as P
from kamlib._schema import TABLES

from .conftest import ROOT


def _raises(words, call, *args, **kwargs):
    with pytest.raises(kamlib.ConfigError) as e:
        call(*args, **kwargs)
    for w in words:
        assert w in str(e.value), (w, str(e.value))
    return str(e.value)


@pytest.fixture(scope="module")
def suzhou(sample_book):
    return sample_book.branch("Suzhou")


# -- the bundled files ---------------------------------------------------------------
@pytest.mark.parametrize("topic", list(S.TOPICS))
def test_every_bundled_file_validates(topic):
    file, model, _ = S.TOPICS[topic]
    data = S.read_yaml(S.config_path(file), what=file)
    assert isinstance(S.check(model, data, source=file), model)
    assert S.settings(topic) == model.model_validate(data).model_dump()


def test_bundled_mapping_validates_and_models_know_every_table():
    S.read_file(S.config_path("mappings/maven_telecom_churn.yaml"), S.MappingSpec, what="mapping")
    assert list(S.TablesMapping.model_fields) == list(TABLES)


def test_the_moved_constants_kept_their_values():
    """The values that were Python constants before they moved into YAML."""
    churn = kamlib.churn.churn_rules()
    assert (churn["min_accounts"], churn["min_churners"], churn["min_churners_for_drivers"]) == (
        30,
        20,
        50,
    )
    assert churn["warnings"] == {
        "min_lines": 20,
        "window": 3,
        "forward_rise": 0.04,
        "bill_drop": 0.2,
        "min_groups_for_rate": 10,
    }
    assert churn["retention"] == {
        "acquisition_to_retention_cost": 5.0,
        "retention_cost_per_contact": 150,
        "months_of_revenue_saved": 12,
    }
    assert S.settings("profit") == {"break_even_band": 0.02, "min_accounts_for_rules": 10}
    seg = kamlib.segment_rules()
    assert seg["value"] == {"high": 0.2, "medium": 0.3} and seg["mix"] == {
        "min_accounts": 30,
        "alpha": 0.05,
    }
    assert seg["loyalty"]["tenure_months"] == [
        {"at_least": 36, "points": 2},
        {"at_least": 12, "points": 1},
    ]
    assert (seg["loyalty"]["loyal"], seg["loyalty"]["potentially_loyal"]) == (0.65, 0.4)
    assert seg["needs"]["z_clip"] == 3 and "criterion" not in seg["needs"]
    assert seg["care_strategy"]["low"]["drifting"] == {
        "en": "Let go or reprice: no costly retention",
        "zh": "放弃或重新定价：不做高成本挽留",
    }


# -- the three cases of the issue ----------------------------------------------------
def test_a_misspelt_lifecycle_key_is_refused(suzhou):
    msg = _raises(
        ["rules passed to lifecycle_stage", "lifecycle.new_month", "did you mean new_months?"],
        kamlib.lifecycle_stage,
        suzhou,
        rules={"lifecycle": {"new_month": 6}},
    )
    assert "renewal_window_months" in msg  # the keys allowed there


def test_group_warnings_takes_rules_not_loose_keywords(suzhou):
    with pytest.raises(TypeError, match="window_months"):
        kamlib.group_warnings(suzhou, window_months=6)
    _raises(
        ["rules passed to group_warnings", "warnings.window_months", "did you mean window?"],
        kamlib.group_warnings,
        suzhou,
        rules={"warnings": {"window_months": 6}},
    )
    # a key of a section given at the top level: pointed to where it belongs
    _raises(
        ["unknown key window;", "did you mean warnings.window?"],
        kamlib.group_warnings,
        suzhou,
        rules={"window": 6},
    )


def test_retention_economics_takes_rules_not_loose_keywords(suzhou):
    with pytest.raises(TypeError, match="months_saved"):
        kamlib.retention_economics(suzhou, months_saved=24)
    _raises(
        [
            "rules passed to retention_economics",
            "retention.months_saved",
            "did you mean months_of_revenue_saved?",
        ],
        kamlib.retention_economics,
        suzhou,
        rules={"retention": {"months_saved": 24}},
    )


# -- every override dict -------------------------------------------------------------
def _needs(book, rules):
    return kamlib.NeedsSegments(rules=rules).fit(book)


@pytest.mark.parametrize(
    "call, name, rules, words",
    [
        (
            kamlib.customer_types,
            "customer_types",
            {"importance": {"industry": []}},
            ["importance.industry", "industries"],
        ),
        (
            kamlib.value_loyalty,
            "value_loyalty",
            {"loyalty": {"loyall": 0.7}},
            ["loyalty.loyall", "did you mean loyal?"],
        ),
        (
            kamlib.value_loyalty,
            "value_loyalty",
            {"value": {"hihg": 0.3}},
            ["value.hihg", "did you mean high?"],
        ),
        (
            kamlib.value_loyalty,
            "value_loyalty",
            {"care_strategy": {"high": {"loyl": "x"}}},
            ["care_strategy.high.loyl", "did you mean loyal?"],
        ),
        (
            _needs,
            "NeedsSegments",
            {"needs": {"n_inits": 3}},
            ["needs.n_inits", "did you mean n_init?"],
        ),
        (
            kamlib.needs.needs_features,
            "needs_features",
            {"needs": {"advanced_product": []}},
            ["needs.advanced_product", "did you mean advanced_products?"],
        ),
        (
            kamlib.segment_rules,
            "segment_rules",
            {"lifecycel": {}},
            ["lifecycel", "did you mean lifecycle?"],
        ),
        (
            kamlib.churn.churn_rules,
            "churn_rules",
            {"min_acounts": 5},
            ["min_acounts", "did you mean min_accounts?"],
        ),
    ],
)
def test_every_override_dict_refuses_a_typo(suzhou, call, name, rules, words):
    book = suzhou
    if call in (kamlib.segment_rules, kamlib.churn.churn_rules):
        _raises([f"rules passed to {name}", *words], call, rules)
    else:
        _raises([f"rules passed to {name}", *words], call, book, rules=rules)


def test_opportunity_matrix_rules_typo(suzhou):
    tiers = kamlib.value_tiers(suzhou).assignment
    _raises(
        ["rules passed to opportunity_matrix", "opportunities.likley", "did you mean likely?"],
        kamlib.opportunity_matrix,
        suzhou,
        tiers,
        rules={"opportunities": {"likley": 0.4}},
    )


def test_segment_targets_market_typo():
    prof = pd.DataFrame(
        {"accounts": [30], "monthly_revenue": [1000.0]}, index=pd.Index(["S"], name="segment")
    )
    _raises(
        [
            "segment market sizes passed to segment_targets",
            "S.customer;",
            "did you mean customers?",
        ],
        kamlib.opportunity.targets_of,
        prof,
        {"S": {"customer": 120, "revenue": 1e5}},
    )
    _raises(
        ["S.target_share must be a share between 0 and 1"],
        kamlib.opportunity.targets_of,
        prof,
        {"S": {"target_share": 20}},
    )


def test_cost_model_and_tier_scheme_dicts(suzhou):
    _raises(
        ["cost model passed to customer_pnl", "drivers.field_visits.rat", "did you mean rate?"],
        kamlib.customer_pnl,
        suzhou,
        cost_model={"drivers": {"field_visits": {"kind": "quantity", "rat": 450}}},
    )
    _raises(
        ["tiers[1].uper", "did you mean upper?"],
        kamlib.value_tiers,
        suzhou,
        scheme={"tiers": [{"code": "a", "uper": 5}, {"code": "b"}]},
    )


# -- every file kind -----------------------------------------------------------------
def _file(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_each_kind_of_file_with_a_typo_names_file_key_and_allowed_keys(tmp_path, suzhou):
    seg = _file(tmp_path, "my_segments.yaml", "lifecycle:\n  new_month: 6\n")
    _raises(
        [str(seg), "lifecycle.new_month", "new_months, renewal_window_months"],
        kamlib.segment_rules,
        seg,
    )
    churn = _file(tmp_path, "my_churn.yaml", "warnings:\n  windows: 6\n")
    _raises(
        [str(churn), "warnings.windows", "did you mean window?"],
        kamlib.group_warnings,
        suzhou,
        rules=churn,
    )
    profit = _file(tmp_path, "my_profit.yaml", "break_even: 0.05\n")
    _raises(
        [str(profit), "break_even;", "did you mean break_even_band?"], S.settings, "profit", profit
    )
    costs = _file(
        tmp_path,
        "my_costs.yaml",
        "drivers:\n  field_visits: {kind: quantity, rate: 450, unti: visit}\n",
    )
    _raises(
        [str(costs), "drivers.field_visits.unti", "kind, rate, unit, en, zh", "did you mean unit?"],
        kamlib.cost_model,
        costs,
    )
    tiers = _file(
        tmp_path,
        "my_tiers.yaml",
        "tiers:\n  - {code: a, upper: 5}\n  - {code: b, zh: 乙}\ncurency: CNY\n",
    )
    _raises([str(tiers), "curency", "did you mean currency?"], kamlib.tier_scheme, tiers)
    est = _file(
        tmp_path, "mine.yaml", "estimates:\n  - {segment: S, lever: cross-sell, probabilty: 0.5}\n"
    )
    _raises(
        [str(est), "estimates[1].probabilty", "did you mean probability?"],
        kamlib.opportunity.read_estimates,
        est,
    )
    csv = _file(tmp_path, "mine.csv", "segment,lever,probabilty\nS,cross-sell,0.5\n")
    _raises(
        [str(csv), "unknown column 'probabilty'", "did you mean probability?"],
        kamlib.opportunity.read_estimates,
        csv,
    )


def test_the_cause_taxonomy_model_refuses_typos_and_unknown_groups():
    data = S.read_yaml(S.config_path("causes.yaml"), what="causes")
    data["causes"]["price"] = {"group": "internl", "en": "x", "zh": "y"}
    _raises(
        ["causes.price.group: unknown cause group 'internl'", "did you mean internal?"],
        S.check,
        S.CauseTaxonomy,
        data,
        source="causes.yaml",
    )
    data["causes"]["price"] = {"group": "internal", "en": "x", "zh": "y", "labl": "z"}
    _raises(["causes.price.labl"], S.check, S.CauseTaxonomy, data, source="causes.yaml")


def test_mapping_and_operator_file_typos(tmp_path):
    d = tmp_path / "export"
    d.mkdir()
    (d / "accounts.csv").write_text("account_id,branch,status\nA1,X,active\n")
    m = _file(
        d, "m.yaml", "tables:\n  accounts:\n    file: accounts.csv\n    colums: {status: status}\n"
    )
    _raises([str(m), "tables.accounts.colums", "did you mean columns?"], kamlib.load, d, mapping=m)
    m2 = _file(d, "m2.yaml", "tables:\n  acounts: {file: accounts.csv}\n")
    _raises(
        ["tables.acounts", "accounts, billing, costs, usage, contacts", "did you mean accounts?"],
        kamlib.load,
        d,
        mapping=m2,
    )
    _raises(
        ["mapping passed to load", "tables.accounts.derive[1].value"],
        kamlib.load,
        d,
        mapping={"tables": {"accounts": {"derive": [{"column": "churn_type"}]}}},
    )
    op = _file(d, "operator.yaml", "name: X\ncurrencey: CNY\n")
    _raises([str(op), "currencey", "did you mean currency?"], kamlib.load, d)


# -- wrong types ---------------------------------------------------------------------
def test_wrong_types_name_the_key_and_the_type_expected(tmp_path, suzhou):
    _raises(
        ["lifecycle must be a mapping (key: value) (got 6)"], kamlib.segment_rules, {"lifecycle": 6}
    )
    churn = _file(tmp_path, "c.yaml", "warnings:\n  window: three\n")
    _raises(
        [str(churn), "warnings.window must be a whole number (got 'three')"],
        kamlib.churn.churn_rules,
        churn,
    )
    _raises(
        ["drivers.am_hours.rate must be a number (got 'cheap')"],
        kamlib.cost_model,
        {"drivers": {"am_hours": {"rate": "cheap"}}},
    )
    _raises(
        ["drivers.network.kind must be 'quantity' or 'amount'"],
        kamlib.cost_model,
        {"drivers": {"network": {"kind": "money"}}},
    )
    _raises(
        ["an amount driver is money already"],
        kamlib.cost_model,
        {"drivers": {"network": {"kind": "amount", "rate": 3}}},
    )
    _raises(
        ["loyalty.loyal must be a number (got True)"],
        kamlib.segment_rules,
        {"loyalty": {"loyal": True}},
    )
    _raises(
        ["needs.k_range must be [lowest, highest]"],
        kamlib.segment_rules,
        {"needs": {"k_range": [8, 3]}},
    )
    _raises(
        ["loyalty.contract: unknown contract 'two_years'", "did you mean two_year?"],
        kamlib.segment_rules,
        {"loyalty": {"contract": {"two_years": 2}}},
    )
    _raises(
        ["the key 2024 under branches must be text (got 2024)"],
        kamlib.cost_model,
        {"drivers": {"am_hours": {"rate": 1}}, "branches": {2024: {"am_hours": 2}}},
    )
    a_list = _file(tmp_path, "l.yaml", "- window: 3\n")
    _raises([str(a_list), "must hold a YAML mapping", "not list"], kamlib.churn.churn_rules, a_list)
    # several problems at once: all of them, counted
    msg = _raises(
        ["2 problems", "lifecycle.new_month", "value.high must be"],
        kamlib.segment_rules,
        {"lifecycle": {"new_month": 1}, "value": {"high": "a lot"}},
    )
    assert msg.count("\n- ") == 2


def test_a_branch_override_of_an_unknown_driver_is_refused():
    _raises(
        [
            "branches.Suzhou: unknown quantity driver 'servce_tickets'",
            "did you mean service_tickets?",
        ],
        kamlib.cost_model,
        {
            "drivers": {"service_tickets": {"rate": 100}, "network": {"kind": "amount"}},
            "branches": {"Suzhou": {"servce_tickets": 3}},
        },
    )


# -- the moved thresholds change results ---------------------------------------------
def _group_book():
    """One group of 25 lines: months 1-6 nothing forwarded at a 1,000 bill; months 7-12
    10% forwarded at a 700 bill. A 3-month window sees no change (months 7-9 vs 10-12);
    a 6-month window sees +10 points forwarded and a 30% lower bill."""
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    usage = pd.DataFrame(
        {
            "account_id": "g",
            "month": months,
            "lines": 25,
            "calls": 100.0,
            "forwarded_calls": [0.0] * 6 + [10.0] * 6,
            "group_bill": [1000.0] * 6 + [700.0] * 6,
        }
    )
    acc = pd.DataFrame({"account_id": ["g"], "branch": "X", "status": "active"})
    return kamlib.Book.from_frames(accounts=acc, usage=usage)


def test_overriding_the_warning_window_changes_the_warnings(tmp_path):
    b = _group_book()
    three = kamlib.group_warnings(b).table
    assert not three.loc["g", "warning"] and three.loc["g", "forwarding_rise"] == 0
    six = kamlib.group_warnings(b, rules={"warnings": {"window": 6}}).table
    g = six.loc["g"]
    assert g["warning"] and g["forwarding_rise"] == pytest.approx(0.10)
    assert g["group_bill_before"] == 1000 and g["bill_change"] == pytest.approx(-0.3)
    # the same through a file of the user's own
    mine = _file(tmp_path, "my_churn.yaml", "warnings:\n  window: 6\n")
    assert kamlib.group_warnings(b, rules=mine).table.loc["g", "warning"]
    # a group needs min_lines lines
    assert kamlib.group_warnings(b, rules={"warnings": {"window": 6, "min_lines": 26}}).table.empty


def test_overriding_the_retention_assumptions_changes_the_economics():
    acc = pd.DataFrame(
        {
            "account_id": list("ab"),
            "branch": "X",
            # the warned account not retained left: retention changed a 100% churn to 0%
            "status": ["active", "churned"],
            "monthly_revenue": [100.0, 40.0],
        }
    )
    con = pd.DataFrame(
        {
            "account_id": list("ab"),
            "warning_date": "2025-05-01",
            "reached": True,
            "intent_to_leave": True,
            "retained": [True, False],
        }
    )
    b = kamlib.Book.from_frames(accounts=acc, contacts=con)
    base = kamlib.retention_economics(b).table["value"]
    assert base["revenue_saved"] == 100 * 12 and base["months_of_revenue_saved"] == 12
    assert base["cost_of_contacts"] == 2 * 150
    mine = kamlib.retention_economics(
        b, rules={"retention": {"months_of_revenue_saved": 24, "retention_cost_per_contact": 10}}
    ).table["value"]
    assert mine["revenue_saved"] == 100 * 24 and mine["months_of_revenue_saved"] == 24
    assert mine["cost_of_contacts"] == 2 * 10


def test_overriding_value_shares_and_care_strategy_changes_the_grid():
    acc = pd.DataFrame(
        {
            "account_id": list("abcd"),
            "branch": "X",
            "status": "active",
            "monthly_revenue": [400.0, 300.0, 200.0, 100.0],
            "tenure_months": [60, 60, 60, 60],
        }
    )
    b = kamlib.Book.from_frames(accounts=acc)
    # default: ceil(0.2 x 4) = 1 high, ceil(0.5 x 4) = 2 high or medium
    assert kamlib.value_loyalty(b).accounts["value"].tolist() == ["high", "medium", "low", "low"]
    vl = kamlib.value_loyalty(
        b,
        rules={
            "value": {"high": 0.5, "medium": 0.5},
            "care_strategy": {"low": {"loyal": "x", "potentially_loyal": "y", "drifting": "z"}},
        },
    )
    assert vl.accounts["value"].tolist() == ["high", "high", "medium", "medium"]
    assert vl.strategy.loc["low", "potentially loyal"] == "y"


def test_small_number_limits_come_from_the_settings():
    acc = pd.DataFrame(
        {
            "account_id": [f"a{i}" for i in range(12)],
            "branch": "X",
            "status": ["churned"] * 3 + ["active"] * 9,
        }
    )
    b = kamlib.Book.from_frames(accounts=acc)
    assert pd.isna(kamlib.churn_rates(b, by=None).table["rate"].iloc[0])  # 12 < 30 accounts
    assert kamlib.churn_rates(b, by=None, min_accounts=10).table["rate"].iloc[0] == 3 / 12
    pnl = pd.DataFrame({"revenue": [100.0, 100.0], "profit": [1.5, 3.0], "cost": [98.5, 97.0]})
    groups = P.groups_of(pnl)  # break-even within 2% of revenue: 1.5 is, 3.0 is not
    assert groups.loc["break_even", "accounts"] == 1 and groups.loc["profitable", "accounts"] == 1
    assert "only 2 accounts" in P.rules_of_thumb_of(pnl)["holds"].iloc[0]
    assert "only" not in P.rules_of_thumb_of(pnl, min_accounts=2)["holds"].iloc[0]


def test_aggregate_sums_the_cost_models_drivers(tmp_path):
    pd.DataFrame(
        {
            "account_id": ["a", "a"],
            "month": ["2025-01", "2025-01"],
            "field_visits": [1.0, 2.0],
            "courier": [5.0, 6.0],
        }
    ).to_csv(tmp_path / "costs.csv", index=False)
    bundled = kamlib.aggregate(tmp_path, table="costs")
    assert list(bundled.columns) == ["account_id", "month", "field_visits"]  # courier: not priced
    model = {"drivers": {"field_visits": {"rate": 450}, "courier": {"kind": "amount"}}}
    got = kamlib.aggregate(tmp_path, table="costs", cost_model=model)
    assert got[["field_visits", "courier"]].iloc[0].tolist() == [3.0, 11.0]


def test_settings_files_are_never_changed(tmp_path):
    before = {p.name: p.read_bytes() for p in (ROOT / "kamlib" / "config").glob("*.yaml")}
    kamlib.segment_rules({"lifecycle": {"new_months": 1}})
    kamlib.churn.churn_rules({"warnings": {"window": 9}})
    assert kamlib.segment_rules()["lifecycle"]["new_months"] == 12  # the defaults are intact
    assert kamlib.churn.churn_rules()["warnings"]["window"] == 3
    after = {p.name: p.read_bytes() for p in (ROOT / "kamlib" / "config").glob("*.yaml")}
    assert before == after
