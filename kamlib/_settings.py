"""Settings as typed data: every rules and assumptions file is checked before it is used.

Each YAML file under ``kamlib/config``, and each file or dict of a user's that replaces or
overrides one, is read through a pydantic model that refuses unknown keys and values of
the wrong type. A typo such as ``lifecycle.new_month`` is then a :class:`ConfigError`
naming the file (or "rules passed to lifecycle_stage" for a dict), the key's full path,
the keys allowed there and the nearest of them, instead of a setting silently ignored.

Two ways in, used by every module:

- :func:`settings` -- a topic's rules as plain data: the bundled file of the topic
  (``segments``, ``churn``, ``profit``; also ``costs``, ``causes`` and ``tiers``), with
  a user's keys (a YAML path, or a dict holding only the keys changed) merged over it
  section by section, then checked as a whole.
- :func:`read_file` -- a file that stands on its own (a tier scheme, a cost model, a
  mapping, market sizes, estimates, ``operator.yaml``), checked against its model.

List items in messages are counted from 1 (``tiers[2]`` is the second tier).
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import types
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    ValidationError,
    field_validator,
    model_validator,
)

from ._errors import ConfigError
from ._schema import CAUSE_GROUPS, CONTRACTS, NEEDS_FEATURES, OPTIONAL_TABLES

__all__ = [
    "TOPICS",
    "config_path",
    "read_yaml",
    "read_file",
    "settings",
    "check",
    "unknown_key",
    "SegmentRules",
    "ChurnRules",
    "ProfitRules",
    "KeyAccountRules",
    "ClvRules",
    "CostModelSpec",
    "CauseTaxonomy",
    "TierSchemeSpec",
    "TierSchemes",
    "MappingSpec",
    "OperatorFile",
    "EstimatesFile",
    "EstimateRow",
    "MarketSizes",
    "KPI_CODES",
    "KpiTargets",
    "TargetsFile",
    "targets",
    "local_name",
]

_CONFIG = resources.files("kamlib") / "config"

M = TypeVar("M", bound=BaseModel)
Source = str | Path | Mapping[str, Any]


def config_path(name: str = "") -> Path:
    """Where the bundled configuration files are (to read or copy)."""
    return Path(str(_CONFIG / name))


def read_yaml(source: str | Path | Mapping[str, Any], *, what: str) -> dict[str, Any]:
    """Read a YAML mapping from a path, or pass a dict through (as a copy).

    Raises ConfigError naming the file when it is missing, not YAML, or not a mapping.
    """
    if isinstance(source, Mapping):
        return dict(source)
    path = Path(source)
    if not path.is_file():
        raise ConfigError(f"{what}: file {path} not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(
            f"{what}: {path} is not valid YAML{where}: {getattr(e, 'problem', e)}"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(f"{what}: {path} is not UTF-8 text") from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"{what}: {path} must hold a YAML mapping (key: value), not {type(data).__name__}"
        )
    return data


# -- value types ----------------------------------------------------------------------
def _scalar(v: Any) -> Any:
    if v is not None and not isinstance(v, (str, int, float, bool)):
        raise ValueError(f"must be text, a number or true/false (got {_show(v)})")
    return v


def _text_or_number(v: Any) -> str | int | float:
    if isinstance(v, bool) or not isinstance(v, (str, int, float)):
        raise ValueError(f"must be text or a number (got {_show(v)})")
    return v


def _date_or_text(v: Any) -> Any:
    # YAML reads an unquoted 2025-12-31 as a date, a quoted one as text: both are fine
    if not isinstance(v, (str, dt.date)):
        raise ValueError(f"must be a date (YYYY-MM-DD) (got {_show(v)})")
    return v


def _a_date(v: Any) -> Any:
    # stricter than _date_or_text: the text must be a real day (observed_from)
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v.strip())
        except ValueError:
            pass
    raise ValueError(f"must be a date (YYYY-MM-DD) (got {_show(v)})")


def _is_number(v: Any) -> int | float:
    # a number stays as written (12 stays 12, not 12.0): reports show the settings
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"must be a number (got {_show(v)})")
    return v


def _non_negative(v: float) -> float:
    if v < 0:
        raise ValueError(f"must be 0 or more (got {v})")
    return v


def _at_most_one(v: float) -> float:
    if v > 1:
        raise ValueError(f"must be a share between 0 and 1 (0.2 is 20%; got {v})")
    return v


#: A cell value of a mapping (a code in the data, a category, a constant).
Scalar = Annotated[Any, AfterValidator(_scalar)]
#: A name that may be a number in YAML (an account id, a segment, a sheet).
Name = Annotated[Any, AfterValidator(_text_or_number)]
DateText = Annotated[Any, AfterValidator(_date_or_text)]
Date = Annotated[Any, AfterValidator(_a_date)]
Number = Annotated[Any, AfterValidator(_is_number)]
NonNegative = Annotated[Any, AfterValidator(_is_number), AfterValidator(_non_negative)]
#: A fraction: 0.2 is 20%.
Share = Annotated[
    Any, AfterValidator(_is_number), AfterValidator(_non_negative), AfterValidator(_at_most_one)
]


class _Model(BaseModel):
    """Unknown keys are refused; types are strict (no "12" for 12, no 1.5 for a count)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# -- segments.yaml --------------------------------------------------------------------
class CustomerTypeRules(_Model):
    currency: str
    key_account_min_spend: NonNegative
    business_min_lines: NonNegative
    business_if_industry: bool
    business_if_parent: bool


class ImportanceRules(_Model):
    industries: list[str]
    name_keywords: list[str]
    fortune500_ids: list[Name]
    ordinary_min_spend: NonNegative
    super_min_spend: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> ImportanceRules:
        if self.super_min_spend < self.ordinary_min_spend:
            raise ValueError("super_min_spend must be at least ordinary_min_spend")
        return self


class LifecycleRules(_Model):
    new_months: NonNegative
    renewal_window_months: NonNegative
    trend_per_month: NonNegative
    complaints_per_month: NonNegative


class ValueShares(_Model):
    high: Share
    medium: Share

    @model_validator(mode="after")
    def _at_most_all(self) -> ValueShares:
        if self.high + self.medium > 1:
            raise ValueError("high + medium must be at most 1 (the rest is low)")
        return self


class Step(_Model):
    at_least: Number
    points: Number


class LoyaltyRules(_Model):
    tenure_months: list[Step]
    contract: dict[str, Number]
    satisfaction: list[Step]
    complaints_per_month: list[Step]
    revenue_fall_per_month: list[Step]
    loyal: Share
    potentially_loyal: Share

    @field_validator("contract")
    @classmethod
    def _known_contracts(cls, v: dict[str, float]) -> dict[str, float]:
        for key in v:
            if key not in CONTRACTS:
                raise ValueError(unknown_key("", key, CONTRACTS, kind="contract"))
        return v

    @model_validator(mode="after")
    def _signs(self) -> LoyaltyRules:
        for name in ("tenure_months", "satisfaction"):
            if any(s.points < 0 for s in getattr(self, name)):
                raise ValueError(f"{name}: points must be 0 or more (it is a positive signal)")
        for name in ("complaints_per_month", "revenue_fall_per_month"):
            if any(s.points > 0 for s in getattr(self, name)):
                raise ValueError(f"{name}: points must be 0 or less (it only takes points away)")
        if any(p < 0 for p in self.contract.values()):
            raise ValueError("contract: points must be 0 or more")
        if self.potentially_loyal > self.loyal:
            raise ValueError("potentially_loyal must be at most loyal")
        return self


class CareText(_Model):
    """A care strategy in both report languages."""

    en: str
    zh: str


#: a care strategy: ``{en: ..., zh: ...}``, or one text of the user's own (shown as written)
Care = CareText | str


class CareRow(_Model):
    loyal: Care
    potentially_loyal: Care
    drifting: Care


class CareStrategy(_Model):
    high: CareRow
    medium: CareRow
    low: CareRow


class MixRules(_Model):
    min_accounts: Annotated[int, Field(ge=1)]
    alpha: Annotated[float, Field(gt=0, lt=1)]


class Archetype(_Model):
    zh: str
    en: str
    profile: dict[str, Number]

    @field_validator("profile")
    @classmethod
    def _known_features(cls, v: dict[str, float]) -> dict[str, float]:
        for key in v:
            if key not in NEEDS_FEATURES:
                raise ValueError(unknown_key("", key, list(NEEDS_FEATURES), kind="feature"))
        return v


class NeedsRules(_Model):
    k_range: list[int]
    sample: Annotated[int, Field(ge=2)]
    n_init: Annotated[int, Field(ge=1)]
    min_accounts: Annotated[int, Field(ge=2)]
    #: 0: fit on every account; else at least min_accounts (checked below)
    fit_sample: Annotated[int, Field(ge=0)] = 20000
    z_clip: NonNegative
    resamples: Annotated[int, Field(ge=2)]
    resample_share: Share
    min_silhouette: float
    min_stability: Share
    advanced_products: list[str]
    archetypes: dict[str, Archetype]

    @field_validator("k_range")
    @classmethod
    def _range(cls, v: list[int]) -> list[int]:
        if len(v) != 2 or not 2 <= v[0] <= v[1]:
            raise ValueError(f"must be [lowest, highest] with 2 <= lowest <= highest (got {v})")
        return v

    @model_validator(mode="after")
    def _sample_holds_enough(self) -> NeedsRules:
        if 0 < self.fit_sample < self.min_accounts:
            raise ValueError(
                f"fit_sample ({self.fit_sample}) must be 0 (fit on every account) or at "
                f"least min_accounts ({self.min_accounts})"
            )
        return self


class OpportunityRules(_Model):
    existing_success: Share
    new_success: Share
    usage_uplift: Share
    cross_sell_min_penetration: Share
    price_rise: NonNegative
    price_churn_penalty: NonNegative
    drop_success: Share
    retain_success: Share = 0.3
    large_result_share: NonNegative
    likely: Share


class SegmentRules(_Model):
    """``config/segments.yaml``: customer types, importance, lifecycle, value x loyalty,
    segment mix, needs segments and the opportunity matrix."""

    customer_type: CustomerTypeRules
    importance: ImportanceRules
    lifecycle: LifecycleRules
    value: ValueShares
    loyalty: LoyaltyRules
    care_strategy: CareStrategy
    mix: MixRules
    needs: NeedsRules
    opportunities: OpportunityRules


# -- churn.yaml -----------------------------------------------------------------------
Count = Annotated[int, Field(ge=0)]


class WarningRules(_Model):
    min_lines: Count
    window: Annotated[int, Field(ge=1)]
    forward_rise: Share
    bill_drop: Share
    min_groups_for_rate: Annotated[int, Field(ge=1)]


class RetentionAssumptions(_Model):
    acquisition_to_retention_cost: NonNegative
    retention_cost_per_contact: NonNegative
    months_of_revenue_saved: Count


class AssociationRules(_Model):
    alpha: Annotated[float, Field(gt=0, lt=1)]


class ChurnRules(_Model):
    """``config/churn.yaml``: small-number limits, group warnings, retention economics."""

    min_accounts: Annotated[int, Field(ge=1)]
    min_churners: Annotated[int, Field(ge=1)]
    min_churners_for_drivers: Annotated[int, Field(ge=1)]
    min_at_risk: Annotated[int, Field(ge=1)]
    min_events_per_parameter: Annotated[int, Field(ge=1)]
    association: AssociationRules
    warnings: WarningRules
    retention: RetentionAssumptions


# -- profit.yaml ----------------------------------------------------------------------
class ProfitRules(_Model):
    """``config/profit.yaml``: break-even band and the size below which the 80/20 rules
    of thumb are not tested."""

    break_even_band: Share
    min_accounts_for_rules: Annotated[int, Field(ge=1)]


# -- costs.yaml -----------------------------------------------------------------------
class CostDriver(_Model):
    kind: Literal["quantity", "amount"] = "quantity"
    rate: NonNegative | None = None
    unit: str = "unit"
    en: str | None = None
    zh: str = ""

    @model_validator(mode="after")
    def _rate(self) -> CostDriver:
        if self.kind == "quantity" and self.rate is None:
            raise ValueError("a quantity driver needs a non-negative `rate:` (money per unit)")
        if self.kind == "amount" and self.rate is not None:
            raise ValueError(
                "an amount driver is money already and is taken as it is: remove `rate:` "
                "(or make it kind: quantity)"
            )
        return self


class CostModelSpec(_Model):
    """A cost model (``config/costs.yaml`` or the user's own, which replaces it whole)."""

    currency: str = "CNY"
    drivers: dict[str, CostDriver]
    branches: dict[str, dict[str, NonNegative]] | None = None

    @model_validator(mode="after")
    def _overrides(self) -> CostModelSpec:
        if not self.drivers:
            raise ValueError("`drivers:` needs at least one driver")
        quantity = [d for d, s in self.drivers.items() if s.kind == "quantity"]
        for branch, over in (self.branches or {}).items():
            for d in over:
                if d not in quantity:
                    raise ValueError(
                        f"branches.{branch}: "
                        + unknown_key("", d, quantity, kind="quantity driver")
                    )
        return self


# -- causes.yaml ----------------------------------------------------------------------
class Labels(_Model):
    en: str
    zh: str


class Cause(_Model):
    group: str
    en: str
    zh: str
    #: the operator can act on it (its service, offering, price, relationship, staff)
    controllable: bool = False
    #: what the cause covers, in one line (docs/causes.md, the draft of ``kam map``)
    meaning: str = ""

    @field_validator("group")
    @classmethod
    def _known_group(cls, v: str) -> str:
        groups = [g for g in CAUSE_GROUPS if g != "unclassified"]
        if v == "unclassified":
            raise ValueError(
                "unclassified holds the export's own reasons that no mapping put in the "
                "taxonomy; a cause of the taxonomy belongs to one of " + ", ".join(groups)
            )
        if v not in groups:
            raise ValueError(unknown_key("", v, groups, kind="cause group"))
        return v


class CauseTaxonomy(_Model):
    causes: dict[str, Cause]
    groups: dict[str, Labels]

    @model_validator(mode="after")
    def _groups(self) -> CauseTaxonomy:
        if set(self.groups) != set(CAUSE_GROUPS):
            raise ValueError(f"groups must be exactly {', '.join(CAUSE_GROUPS)}")
        return self


# -- key_accounts.yaml -----------------------------------------------------------------
class KeyAccountList(_Model):
    """Who is on the yearly key-account list."""

    key_account_monthly: NonNegative
    super_monthly: NonNegative
    important_industries: list[str] = []

    @model_validator(mode="after")
    def _order(self) -> KeyAccountList:
        if self.super_monthly < self.key_account_monthly:
            raise ValueError(
                "super_monthly must be at least key_account_monthly (a super key account "
                "is a key account that spends more)"
            )
        return self


class Entitlement(_Model):
    """The service one value tier is entitled to, per month."""

    am_hours: NonNegative = 0
    field_visits: NonNegative = 0
    response_hours: NonNegative | None = None
    resident_manager: bool = False
    training: bool = False


class ServiceRules(_Model):
    scheme: str = "beijing"
    types: list[str] = ["key_account"]
    entitlements: dict[str, Entitlement]
    below: Share = 0.5
    far_above: Annotated[float, Field(ge=1)] = 2.0


class DiscountPolicy(_Model):
    limits: dict[str, Share] = {}
    default: Share = 0.1


class PlanRules(_Model):
    top_n: Annotated[int, Field(ge=0)] = 20
    max_plans: Annotated[int, Field(ge=1)] = 200
    window: Annotated[int, Field(ge=1)] = 3
    bill_drop: Share = 0.2
    forward_rise: Share = 0.04
    contract_ending_months: Annotated[int, Field(ge=0)] = 6
    low_satisfaction: NonNegative = 2
    complaints_vs_median: NonNegative = 2.0


class ManagerRules(_Model):
    after_departure_months: Annotated[int, Field(ge=1)] = 6
    min_accounts: Annotated[int, Field(ge=1)] = 10
    min_churners: Annotated[int, Field(ge=1)] = 5
    new_product_after_months: Annotated[int, Field(ge=1)] = 3
    managed_types: list[str] = ["key_account", "business"]


class KeyAccountRules(_Model):
    """``config/key_accounts.yaml``: the key-account programme's rules (list thresholds,
    service entitlements per tier, discount limits, account plans, manager departures)."""

    list: KeyAccountList
    service: ServiceRules
    discounts: DiscountPolicy
    plans: PlanRules
    managers: ManagerRules


# -- clv.yaml (kamlib.customer_value) -----------------------------------------------
class ClvTierShares(_Model):
    """The ABC shares of predicted value for ``value_tiers(book, scheme="clv")``."""

    a: Share
    b: Share

    @model_validator(mode="after")
    def _ordered(self) -> ClvTierShares:
        if not 0 < self.a < self.b < 1:
            raise ValueError(f"needs 0 < a < b < 1 (got a={self.a}, b={self.b})")
        return self


class ClvRules(_Model):
    """``config/clv.yaml``: discount rate, renewal period, value per period, the smallest
    segment fitted, default segments, fallback, horizon, non-contract values, CLV tiers."""

    annual_discount_rate: NonNegative
    period_months: Annotated[int, Field(ge=1)]
    value: Literal["margin", "revenue"]
    min_churners: Annotated[int, Field(ge=1)]
    min_churners_constant: Annotated[int, Field(ge=1)] = 5
    by: str
    fallback: Literal["none", "pooled", "constant"]
    horizon_months: Annotated[int, Field(ge=1)] | None
    not_contract: list[str]
    tiers: ClvTierShares

    @field_validator("not_contract")
    @classmethod
    def _contracts(cls, v: list[str]) -> list[str]:
        for c in v:
            if c not in CONTRACTS:
                raise ValueError(unknown_key("", c, list(CONTRACTS), kind="contract"))
        return v


# -- tiers.yaml -----------------------------------------------------------------------
class Tier(_Model):
    code: Name | None = None
    en: str | None = None
    zh: str | None = None
    upper: Number | None = None

    @model_validator(mode="after")
    def _named(self) -> Tier:
        if self.code is None and self.en is None:
            raise ValueError("a tier needs `code:` (or at least `en:`)")
        return self


class TierSchemeSpec(_Model):
    """One tier scheme: ``tiers:`` in ascending order, every tier but the last with
    ``upper:`` (exclusive), the last without."""

    description: str = ""
    currency: str = "CNY"
    tiers: list[Tier]

    @field_validator("tiers")
    @classmethod
    def _bounds(cls, tiers: list[Tier]) -> list[Tier]:
        if len(tiers) < 2:
            raise ValueError("needs a list of at least two tiers")
        uppers = [t.upper for t in tiers]
        if uppers[-1] is not None or any(u is None for u in uppers[:-1]):
            raise ValueError("every tier but the last needs `upper:`; the last has none")
        finite = [float(u) for u in uppers[:-1] if u is not None]
        if any(b <= a for a, b in zip(finite, finite[1:], strict=False)):
            raise ValueError(f"upper bounds must rise strictly: {finite}")
        codes = [str(t.code if t.code is not None else t.en) for t in tiers]
        if len(set(codes)) < len(codes):
            raise ValueError(f"tier codes must differ: {codes}")
        return tiers


class TierSchemes(RootModel[dict[str, TierSchemeSpec]]):
    """``config/tiers.yaml``: named tier schemes."""


# -- files that stand alone -----------------------------------------------------------
class DeriveRule(_Model):
    column: str
    value: Scalar
    where: dict[str, Scalar] = Field(default_factory=dict)


#: the arithmetic a ``compute:`` rule may do, and how many operands each takes
#: (None: two or more)
COMPUTE_OPS: dict[str, int | None] = {
    "sum": None,
    "difference": 2,
    "product": None,
    "ratio": 2,
    "month_of": 2,
}


class ComputeRule(_Model):
    """One ``compute:`` entry: arithmetic on the export's own columns (docs/mapping.md).

    Exactly one of ``sum``, ``difference``, ``product``, ``ratio``, ``month_of`` (a list
    of source columns), or ``column`` with ``times`` (a constant times a column).
    """

    sum: list[str] | None = None
    difference: list[str] | None = None
    product: list[str] | None = None
    ratio: list[str] | None = None
    month_of: list[str] | None = None
    column: str | None = None
    times: Number | None = None

    @model_validator(mode="after")
    def _one_operation(self) -> ComputeRule:
        given = [op for op in COMPUTE_OPS if getattr(self, op) is not None]
        scaled = self.column is not None or self.times is not None
        if scaled and (self.column is None or self.times is None):
            raise ValueError("`column:` and `times:` go together (a constant times a column)")
        if len(given) + scaled != 1:
            raise ValueError(
                "needs exactly one of sum, difference, product, ratio, month_of (a list of "
                "the export's columns) or column with times"
            )
        for op in given:
            n, operands = COMPUTE_OPS[op], getattr(self, op)
            if n is None and len(operands) < 2:
                raise ValueError(f"{op} needs two or more columns (got {len(operands)})")
            if n is not None and len(operands) != n:
                what = {"month_of": "a year and a month column"}.get(op, "exactly two columns")
                raise ValueError(f"{op} needs {what} (got {len(operands)})")
        return self

    @property
    def operation(self) -> str:
        """``sum``, ``difference``, ``product``, ``ratio``, ``month_of`` or ``times``."""
        return next((op for op in COMPUTE_OPS if getattr(self, op) is not None), "times")

    @property
    def operands(self) -> list[str]:
        """The export's columns the rule reads, in order."""
        op = self.operation
        return [str(self.column)] if op == "times" else list(getattr(self, op))

    def formula(self) -> str:
        """The rule in words, as a report names it.

        Examples
        --------
        >>> ComputeRule(sum=["Day", "Night"]).formula()
        'Day + Night'
        >>> ComputeRule(column="Account Length", times=0.0329).formula()
        '0.0329 × Account Length'
        """
        op = self.operation
        if op == "times":
            return f"{self.times:g} × {self.column}"
        if op == "month_of":
            return f"the month of year {self.operands[0]} and month {self.operands[1]}"
        sign = {"sum": " + ", "difference": " − ", "product": " × ", "ratio": " / "}[op]
        return sign.join(self.operands)


class TableMapping(_Model):
    file: str | None = None
    sheet: Name | None = None
    delimiter: str = ","
    encoding: str | None = None
    #: no customer id column: account_id is each row's line in the file ("2" = the first
    #: data row), accounts only
    row_ids: bool = False
    columns: dict[str, str] | None = None
    keep: dict[str, str] | None = None
    #: target -> arithmetic on the export's columns (before renaming)
    compute: dict[str, ComputeRule] | None = None
    #: canonical column -> {value in the data: code}; a YAML boolean key (an unquoted
    #: Yes/No) matches the data's yes/no spellings
    values: dict[str, dict[Scalar, Scalar]] | None = None
    constants: dict[str, Scalar] | None = None
    derive: list[DeriveRule] | None = None

    @model_validator(mode="after")
    def _one_id(self) -> TableMapping:
        columns = self.columns or {}
        if self.row_ids and "account_id" in columns:
            raise ValueError(
                "row_ids: true makes account_id from row numbers, but columns: also maps "
                f"account_id (to {columns['account_id']!r}); keep one of the two"
            )
        if self.row_ids and "account_id" in (self.compute or {}):
            raise ValueError("row_ids: true and a compute: rule for account_id; keep one")
        both = sorted(set(self.compute or {}) & set(self.columns or {}))
        if both:
            raise ValueError(
                f"{', '.join(both)} is both mapped in columns: and computed in compute:; "
                "keep one of the two"
            )
        return self


class TablesMapping(_Model):
    """One entry per canonical table (the names of ``kamlib._schema.TABLES``)."""

    accounts: TableMapping
    billing: TableMapping | None = None
    costs: TableMapping | None = None
    usage: TableMapping | None = None
    contacts: TableMapping | None = None
    assignments: TableMapping | None = None
    contracts: TableMapping | None = None
    tickets: TableMapping | None = None
    surveys: TableMapping | None = None

    @model_validator(mode="after")
    def _row_ids_for_accounts(self) -> TablesMapping:
        for table in OPTIONAL_TABLES:
            spec = getattr(self, table)
            if spec is not None and spec.row_ids:
                raise ValueError(
                    f"row_ids: true is for the accounts table only ({table} rows refer to "
                    "accounts through an account_id column of their own)"
                )
        return self


class MappingSpec(_Model):
    """A mapping file: how a foreign export becomes canonical tables (docs/mapping.md)."""

    kamlib_mapping: Literal[1] = 1
    description: str = ""
    name: str | None = None
    currency: str = "CNY"
    as_of: DateText | None = None
    observed_from: Date | None = None  # the start of the observation (left truncation)
    #: billing revenue after discounts (net, the data model's default) or before (gross)
    revenue_basis: Literal["net", "gross"] = "net"
    tables: TablesMapping


class OperatorFile(_Model):
    """``operator.yaml`` beside a folder of canonical tables."""

    name: str | None = None
    currency: str = "CNY"
    as_of: DateText | None = None
    observed_from: Date | None = None  # the start of the observation (left truncation)
    #: billing revenue after discounts (net, the data model's default) or before (gross)
    revenue_basis: Literal["net", "gross"] = "net"
    #: columns set by a mapping's rule, not recorded (kept when a mapped book is written)
    assumed: dict[str, str] = {}
    #: columns a mapping computed from the export's columns: "table.column" -> formula
    computed: dict[str, str] = {}


class EstimateRow(_Model):
    segment: Name
    lever: str
    size: Number | None = None
    probability: Number | None = None
    basis: str | None = None


class EstimatesFile(_Model):
    """The team's own estimates for the priority matrix (``estimates:``, a list of rows)."""

    estimates: list[EstimateRow]


class MarketSize(_Model):
    customers: NonNegative | None = None
    revenue: NonNegative | None = None
    target_share: Share | None = None


class MarketSizes(RootModel[dict[Name, MarketSize]]):
    """Market sizes per segment for :func:`kamlib.segment_targets`."""


# -- targets (kam report --targets FILE) ---------------------------------------------
#: the KPIs of a branch's first screen (kamlib.kpis), in the order they are shown
KPI_CODES = (
    "revenue",
    "revenue_growth",
    "arpu",
    "profit",
    "margin",
    "churn_rate",
    "key_account_churn_rate",
    "satisfaction",
)


class KpiTargets(_Model):
    """One target per KPI; a KPI left out has no target (not shown)."""

    revenue: NonNegative | None = None
    revenue_growth: Number | None = None
    arpu: NonNegative | None = None
    profit: Number | None = None
    margin: Number | None = None
    churn_rate: Share | None = None
    key_account_churn_rate: Share | None = None
    satisfaction: NonNegative | None = None


class TargetsFile(_Model):
    """A targets file: ``all:`` for every branch, ``branches:`` per branch (a branch's
    target overrides the one for all)."""

    all: KpiTargets | None = None
    branches: dict[Name, KpiTargets] | None = None


def targets(source: Source, branch: str, *, caller: str | None = None) -> dict[str, float]:
    """The targets of ``branch``: ``all:`` with ``branches: <branch>:`` over it.

    ``source`` is a YAML path or a dict of the same shape. KPIs without a target are
    left out. A key that is not a KPI is a ConfigError naming it and the nearest KPI.

    Examples
    --------
    >>> targets({"all": {"churn_rate": 0.08, "arpu": 900},
    ...          "branches": {"Suzhou": {"arpu": 1000}}}, "Suzhou")
    {'arpu': 1000, 'churn_rate': 0.08}
    >>> targets({"all": {"churn_rte": 0.08}}, "Suzhou", caller="kpis")
    Traceback (most recent call last):
    ...
    kamlib._errors.ConfigError: targets passed to kpis: unknown key all.churn_rte; allowed there: revenue, revenue_growth, arpu, profit, margin, churn_rate, key_account_churn_rate, satisfaction; did you mean churn_rate?
    """
    t = read_file(source, TargetsFile, what="targets", caller=caller)
    out = dict(t.all.model_dump(exclude_none=True)) if t.all is not None else {}
    mine = {str(k): v for k, v in (t.branches or {}).items()}.get(str(branch))
    if mine is not None:
        out.update(mine.model_dump(exclude_none=True))
    return {k: out[k] for k in KPI_CODES if k in out}


def local_name(spec: Any) -> str:
    """The name of a settings entry in the report's language: ``spec[lang]`` for a mapping
    with ``en:``/``zh:`` names (English when the language's is missing), a plain text as
    it is. One language per edition: never both names side by side.

    Examples
    --------
    >>> from kamlib._i18n import language
    >>> spec = {"en": "Field visits", "zh": "上门服务"}
    >>> local_name(spec), local_name("My own words")
    ('Field visits', 'My own words')
    >>> with language("zh"):
    ...     local_name(spec)
    '上门服务'
    """
    if isinstance(spec, Mapping):
        from ._i18n import current_language

        return str(spec.get(current_language()) or spec.get("en") or "")
    return str(spec)


# -- reading and checking -------------------------------------------------------------
#: topic -> (bundled file, model, whether a user's rules are merged over it)
TOPICS: dict[str, tuple[str, type[BaseModel], bool]] = {
    "segments": ("segments.yaml", SegmentRules, True),
    "churn": ("churn.yaml", ChurnRules, True),
    "profit": ("profit.yaml", ProfitRules, True),
    "costs": ("costs.yaml", CostModelSpec, False),
    "causes": ("causes.yaml", CauseTaxonomy, False),
    "tiers": ("tiers.yaml", TierSchemes, False),
    "key_accounts": ("key_accounts.yaml", KeyAccountRules, True),
    "clv": ("clv.yaml", ClvRules, True),
}

Topic = Literal["segments", "churn", "profit", "costs", "causes", "tiers", "key_accounts", "clv"]


def _name(source: Source, what: str, caller: str | None) -> str:
    if isinstance(source, Mapping):
        return f"{what} passed to {caller}" if caller else f"{what} (a dict)"
    return str(source)


def read_file(source: Source, model: type[M], *, what: str, caller: str | None = None) -> M:
    """Read a YAML file (or take a dict) and check it against ``model``.

    ``what`` names the kind of file in messages ("cost model"); for a dict, ``caller``
    names the function it was passed to.

    Examples
    --------
    >>> from kamlib._settings import read_file, OperatorFile
    >>> read_file({"name": "X", "currncy": "CNY"}, OperatorFile, what="operator")
    Traceback (most recent call last):
    ...
    kamlib._errors.ConfigError: operator (a dict): unknown key currncy; allowed at the top level: name, currency, as_of, observed_from, revenue_basis, assumed, computed; did you mean currency?
    """
    data = read_yaml(source, what=what)
    return check(model, data, source=_name(source, what, caller))


@functools.cache
def _bundled(topic: str) -> BaseModel:
    file, model, _ = TOPICS[topic]
    path = config_path(file)
    return check(model, read_yaml(path, what=file), source=f"kamlib/config/{file}")


def _merge(base: dict[str, Any], user: Mapping[str, Any]) -> dict[str, Any]:
    """The user's keys over the defaults, one level down: a section given as a mapping
    changes only the keys it names; anything else (a list, a number) replaces."""
    out = dict(base)
    for key, val in user.items():
        if isinstance(val, Mapping) and isinstance(base.get(key), dict):
            out[key] = {**base[key], **val}
        else:
            out[key] = val
    return out


def settings(
    topic: Topic, rules: Source | None = None, *, caller: str | None = None
) -> dict[str, Any]:
    """A topic's settings as plain data (a fresh copy: callers may change it).

    ``rules`` (topics ``segments``, ``churn``, ``profit``) is a YAML path or a dict holding
    only the keys to change; sections are merged key by key over the bundled file, and
    the result is checked as a whole. ``caller`` names the function a dict was passed to,
    for messages.

    Examples
    --------
    >>> from kamlib._settings import settings
    >>> settings("churn", {"warnings": {"window": 6}})["warnings"]["window"]
    6
    >>> settings("churn", {"warnings": {"window_months": 6}}, caller="group_warnings")
    Traceback (most recent call last):
    ...
    kamlib._errors.ConfigError: rules passed to group_warnings: unknown key warnings.window_months; allowed there: min_lines, window, forward_rise, bill_drop, min_groups_for_rate; did you mean window?
    """
    base = _bundled(topic)
    if rules is None:
        return base.model_dump()
    file, model, merged = TOPICS[topic]
    if not merged:
        raise ConfigError(f"{file} is not overridden key by key: pass a whole file of your own")
    user = read_yaml(rules, what=f"{topic} rules")
    data = _merge(base.model_dump(), user)
    return check(model, data, source=_name(rules, "rules", caller)).model_dump()


def check(model: type[M], data: Any, *, source: str) -> M:
    """``data`` checked against ``model``; a ConfigError listing every problem otherwise."""
    try:
        return model.model_validate(data)
    except ValidationError as e:
        problems = list(dict.fromkeys(_problems(e, model)))
    if len(problems) == 1:
        raise ConfigError(f"{source}: {problems[0]}")
    lines = "\n".join(f"- {p}" for p in problems)
    raise ConfigError(f"{source}: {len(problems)} problems:\n{lines}")


def unknown_key(path: str, key: str, allowed: Sequence[str], *, kind: str = "key") -> str:
    """The sentence for a key (or a name) that is not allowed, with the nearest allowed one
    if one is close. ``path`` is the key's full path; empty for a name on its own.

    >>> unknown_key("lifecycle.new_month", "new_month", ["new_months", "trend_per_month"])
    'unknown key lifecycle.new_month; allowed there: new_months, trend_per_month; did you mean new_months?'
    >>> unknown_key("", "two_years", ["monthly", "two_year"], kind="contract")
    "unknown contract 'two_years'; allowed: monthly, two_year; did you mean two_year?"
    """
    if path:
        where = "there" if "." in path or "[" in path else "at the top level"
        head = f"unknown {kind} {path}; allowed {where}"
    else:
        head = f"unknown {kind} {key!r}; allowed"
    msg = f"{head}: {', '.join(map(str, allowed)) or 'none'}"
    near = difflib.get_close_matches(key, [str(a) for a in allowed], n=1, cutoff=0.6)
    return msg + (f"; did you mean {near[0]}?" if near else "")


_EXPECTED = {
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "dict_type": "a mapping (key: value)",
    "list_type": "a list",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "int_parsing": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "text",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
}


def _show(v: Any) -> str:
    s = repr(v)
    return s if len(s) <= 60 else s[:57] + "..."


def _path(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"  # counted from 1, as a reader counts
        else:
            out += ("." if out else "") + str(part)
    return out


def _problems(e: ValidationError, model: type[BaseModel]) -> list[str]:
    out = []
    for err in e.errors(include_url=False):
        loc = tuple(err["loc"])
        kind = err["type"]
        is_key = bool(loc) and loc[-1] == "[key]"  # a mapping key of the wrong type
        if is_key:
            loc = loc[:-1]
        path = _path(loc)
        if kind == "extra_forbidden":
            msg = unknown_key(path, str(loc[-1]), _keys_at(model, loc[:-1]))
            if " did you mean" not in msg:  # perhaps a key of another section
                msg += _elsewhere(str(loc[-1]), model)
            out.append(msg)
        elif kind == "missing":
            out.append(f"needs key {path}")
        elif kind in ("value_error", "assertion_error"):
            msg = str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
            sep = " " if msg.startswith("must be") else ": "
            out.append(f"{path}{sep}{msg}" if path else msg)
        else:
            expected = _EXPECTED.get(kind) or str(err["msg"]).removeprefix("Input should be ")
            what = (
                f"the key {loc[-1]!r} under {_path(loc[:-1]) or 'the top level'}"
                if is_key
                else path
            )
            out.append(f"{what or 'the whole file'} must be {expected} (got {_show(err['input'])})")
    return out


def _unwrap(tp: Any) -> Any:
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        elif isinstance(tp, type) and issubclass(tp, RootModel):
            tp = tp.model_fields["root"].annotation
        else:
            return tp


def _keys_at(model: type[BaseModel], loc: Sequence[Any]) -> list[str]:
    """The keys a model allows at ``loc`` (empty if it is not a model there)."""
    tp: Any = model
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(str(part))
            if field is None:
                return []
            tp = field.annotation
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        elif get_origin(tp) is list:
            tp = get_args(tp)[0]
        else:
            return []
    tp = _unwrap(tp)
    return list(tp.model_fields) if isinstance(tp, type) and issubclass(tp, BaseModel) else []


def _all_keys(model: Any, prefix: str = "") -> list[str]:
    """The full paths of a model's keys, through nested sections (not through lists or
    mappings of free keys)."""
    tp = _unwrap(model)
    if not (isinstance(tp, type) and issubclass(tp, BaseModel)):
        return []
    out = []
    for name, field in tp.model_fields.items():
        out.append(prefix + name)
        out += _all_keys(field.annotation, prefix + name + ".")
    return out


def _elsewhere(key: str, model: type[BaseModel]) -> str:
    paths = _all_keys(model)
    near = difflib.get_close_matches(key, [p.rsplit(".", 1)[-1] for p in paths], n=1, cutoff=0.6)
    if not near:
        return ""
    full = next(p for p in paths if p.rsplit(".", 1)[-1] == near[0])
    return f"; did you mean {full}?" if full != key else ""


# -- scenarios.yaml (kamlib.scenario) --------------------------------------------------
class Range(_Model):
    """An assumption with its central value and the range it may lie in (low <= central
    <= high): a scenario's low and high outcomes come from these ends."""

    central: Number
    low: Number
    high: Number

    @model_validator(mode="before")
    @classmethod
    def _one_number(cls, v: Any) -> Any:
        # one number is an assumption without a range
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return {"central": v, "low": v, "high": v}
        return v

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.low <= self.central <= self.high:
            raise ValueError(
                f"needs low <= central <= high (got low {self.low}, central {self.central}, "
                f"high {self.high})"
            )
        return self


def _share_range(r: Range) -> Range:
    if r.low < 0 or r.high > 1:
        raise ValueError(f"must be shares between 0 and 1 (0.2 is 20%; got {r.low} to {r.high})")
    return r


def _non_negative_range(r: Range) -> Range:
    if r.low < 0:
        raise ValueError(f"must be 0 or more (got low {r.low})")
    return r


def _whole_years(r: Range) -> Range:
    if any(not float(v).is_integer() or v < 1 for v in (r.low, r.central, r.high)):
        raise ValueError("must be whole years, at least 1")
    return r


ShareRange = Annotated[Range, AfterValidator(_share_range)]
NonNegativeRange = Annotated[Range, AfterValidator(_non_negative_range)]
YearsRange = Annotated[Range, AfterValidator(_whole_years)]


class ScenarioRetention(_Model):
    cost_per_kept_account: NonNegativeRange


class ScenarioHorizon(_Model):
    years: YearsRange
    discount_rate: ShareRange


class ScenarioCosts(_Model):
    avoidable_share: ShareRange


class Elasticities(_Model):
    """Churn elasticity per customer type (accounts lost per unit of price rise)."""

    key_account: NonNegativeRange
    business: NonNegativeRange
    residential: NonNegativeRange
    unknown: NonNegativeRange


class ScenarioPrice(_Model):
    elasticity: Elasticities


class ScenarioMove(_Model):
    revenue_per_tier: ShareRange


class BuiltinScenarios(_Model):
    retention_points: Number
    price_change: Number
    price_segment: str
    move_accounts: Annotated[int, Field(ge=1)]


class ScenarioRules(_Model):
    """``config/scenarios.yaml``: the assumptions of the what-if scenarios, each with its
    range, and the built-in set of :func:`kamlib.scenarios`."""

    retention: ScenarioRetention
    horizon: ScenarioHorizon
    costs: ScenarioCosts
    price: ScenarioPrice
    move: ScenarioMove
    builtin: BuiltinScenarios


TOPICS["scenarios"] = ("scenarios.yaml", ScenarioRules, True)


def _deep_merge(base: dict[str, Any], user: Mapping[str, Any]) -> dict[str, Any]:
    """The user's keys over the defaults at every depth: ``{"retention":
    {"cost_per_kept_account": {"central": 3000}}}`` changes that one value and keeps its
    range's ends."""
    out = dict(base)
    for key, val in user.items():
        if isinstance(val, Mapping) and isinstance(base.get(key), dict):
            out[key] = _deep_merge(base[key], val)
        else:
            out[key] = val
    return out


def scenario_settings(rules: Source | None = None, *, caller: str | None = None) -> dict[str, Any]:
    """The scenario assumptions: ``config/scenarios.yaml`` with ``rules`` (a YAML path or a
    dict of the keys changed) merged over it at every depth, then checked as a whole. A
    range may be given as one number (no range: low = central = high).

    Examples
    --------
    >>> r = scenario_settings({"retention": {"cost_per_kept_account": {"central": 3000}}})
    >>> r["retention"]["cost_per_kept_account"]
    {'central': 3000, 'low': 1000, 'high': 5000}
    >>> scenario_settings({"horizon": {"years": 7}})["horizon"]["years"]
    {'central': 7, 'low': 7, 'high': 7}
    >>> scenario_settings({"horizon": {"year": 3}}, caller="scenario")
    Traceback (most recent call last):
    ...
    kamlib._errors.ConfigError: rules passed to scenario: unknown key horizon.year; allowed there: years, discount_rate; did you mean years?
    """
    base = _bundled("scenarios").model_dump()
    if rules is None:
        return base
    user = read_yaml(rules, what="scenarios rules")
    data = _deep_merge(base, user)
    return check(ScenarioRules, data, source=_name(rules, "rules", caller)).model_dump()


# -- watchlist.yaml (kamlib.watchlist: the churn-risk model and its watch list) -------
class PromiseRules(_Model):
    """The service promises a ticket is judged against (``watchlist.yaml: promises``)."""

    fault_repair_hours: Annotated[float, Field(gt=0)] = 48
    complaint_answer_hours: Annotated[float, Field(gt=0)] = 24
    order_late_days: NonNegative = 0


class WatchlistRules(_Model):
    """``config/watchlist.yaml``: the churn-risk model, its validation and the watch
    list's reasons and actions."""

    horizon_months: Annotated[int, Field(ge=1, le=24)] = 3
    recent_months: Annotated[int, Field(ge=1, le=12)] = 3
    validation_cutoffs: Annotated[int, Field(ge=1)] = 3
    min_train_cutoffs: Annotated[int, Field(ge=1)] = 2
    penalty: NonNegative = 0.05
    l1_share: Share = 0.0
    min_auc: Share = 0.65
    min_churners: Annotated[int, Field(ge=1)] = 30
    min_churners_per_branch: Annotated[int, Field(ge=1)] = 10
    bootstrap: Annotated[int, Field(ge=50)] = 400
    holdout_share: Annotated[float, Field(gt=0, lt=1)] = 0.3
    #: accounts; 0 fits on every account
    fit_sample: Annotated[int, Field(ge=0)] = 50000
    contract_ending_months: Annotated[int, Field(ge=1)] = 3
    min_level_accounts: Annotated[int, Field(ge=1)] = 30
    top_reasons: Annotated[int, Field(ge=1, le=5)] = 3
    min_push: NonNegative = 0.1
    promises: PromiseRules = PromiseRules()
    actions: dict[str, str | dict[str, str]] = {}
    default_action: str | dict[str, str] = "Call the account and ask what has changed"


TOPICS["watchlist"] = ("watchlist.yaml", WatchlistRules, True)
__all__ += ["WatchlistRules"]


# -- service.yaml (kamlib.service) ----------------------------------------------------
# Registered here, in one block, so that topics added by other modules do not collide.
class Promise(_Model):
    """One service promise: what stops the clock, and the limit in its unit."""

    clock: Literal["response", "resolution", "delivery"]
    within: Annotated[Any, AfterValidator(_is_number), AfterValidator(_non_negative)]
    unit: Literal["hours", "working_days", "days"]


def _weekmask(v: str) -> str:
    if len(v) != 7 or set(v) - {"0", "1"} or "1" not in v:
        raise ValueError(
            f"must be seven 0s and 1s, Monday to Sunday, with at least one 1 (got {v!r})"
        )
    return v


class WorkingCalendar(_Model):
    weekmask: Annotated[str, AfterValidator(_weekmask)] = "1111100"
    holidays: list[Date] = []
    extra_working_days: list[Date] = []


class ComplaintRules(_Model):
    kinds: list[Literal["complaint", "fault", "order", "enquiry"]]
    min_accounts: Annotated[int, Field(ge=1)] = 30
    min_periods: Annotated[int, Field(ge=2)] = 3
    alpha: Annotated[float, Field(gt=0, lt=1)] = 0.05


class SatisfactionRules(_Model):
    kinds: list[Literal["call_back", "quarterly_survey"]]
    min_answers: Annotated[int, Field(ge=2)] = 10
    confidence: Annotated[float, Field(gt=0, lt=1)] = 0.95


class ServiceChurnRules(_Model):
    failures: list[Literal["broken_promise", "low_score"]]
    low_score: Annotated[Any, AfterValidator(_is_number)] = 2
    after_months: Annotated[int, Field(ge=1)] = 6
    min_churners: Annotated[int, Field(ge=1)] = 5
    confidence: Annotated[float, Field(gt=0, lt=1)] = 0.95

    @field_validator("failures")
    @classmethod
    def _some(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("needs at least one of broken_promise, low_score")
        return v


class CustomerServiceRules(_Model):
    """``config/service.yaml``: the service promises per ticket kind and severity, the
    working calendar, and the limits of the complaint, satisfaction and churn analyses."""

    promises: dict[
        Literal["complaint", "fault", "order", "enquiry"],
        dict[Literal["general", "major"], Promise],
    ]
    missing_severity: Literal["general", "major"] = "general"
    unresolved_is_broken: bool = True
    min_tickets: Annotated[int, Field(ge=1)] = 20
    working_days: WorkingCalendar
    complaints: ComplaintRules
    satisfaction: SatisfactionRules
    churn: ServiceChurnRules

    @model_validator(mode="after")
    def _order_clock(self) -> CustomerServiceRules:
        for kind, by_severity in self.promises.items():
            for severity, p in by_severity.items():
                if (p.clock == "delivery") != (kind == "order"):
                    raise ValueError(
                        f"promises.{kind}.{severity}: the delivery clock is for orders only "
                        "(and an order's clock is delivery)"
                    )
        return self


TOPICS["service"] = ("service.yaml", CustomerServiceRules, True)
__all__ += ["CustomerServiceRules"]
