"""A draft mapping written from an export itself (``kam map``).

A consultant handed an operator's export in a schema kamlib has never seen starts from a
draft instead of a blank page: :func:`draft_mapping` reads the header and the rows, lists
every source column, guesses the canonical column each one probably is (from its name, in
English or Chinese, and from its values), writes the distinct values of categorical
columns as ``values:`` maps to complete, and leaves ``TODO`` wherever only a person can
decide. Each guess carries a comment saying why it was made, so it can be checked.

A ``TODO`` left as a value is refused by the loader (:func:`still_todo`): a draft never
loads by accident with a guess nobody made.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ._errors import ConfigError
from ._schema import ACCOUNTS
from ._todo import TODO, still_todo

__all__ = ["draft_mapping", "still_todo", "TODO"]  # the last two from ._todo

#: a tenure counted in days -> months (365.25 / 12 days a month)
DAYS_TO_MONTHS = 0.0329

_CJK = re.compile(r"[\u3400-\u9fff]")


# -- reading --------------------------------------------------------------------------
def _detect(path: Path) -> tuple[str, str]:
    """The encoding (as the loader reads it: UTF-8, with or without BOM, else GBK) and the
    delimiter of a CSV's header."""
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        encoding, text = "UTF-8 with BOM", data[3:].decode("utf-8", errors="replace")
    else:
        try:
            text, encoding = data.decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            text, encoding = data.decode("gb18030", errors="replace"), "GBK/GB18030"
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    return encoding, delimiter


# -- one source column, described -----------------------------------------------------
@dataclass
class _Col:
    name: str
    values: pd.Series  # stripped text, blanks as missing
    words: set[str] = field(default_factory=set)  # the name's lower-case words
    norm: str = ""  # the name's words joined by spaces (Chinese kept as is)
    numeric: bool = False
    numbers: pd.Series | None = None
    distinct: list[str] = field(default_factory=list)  # in order of first appearance
    blank_share: float = 0.0
    unique: bool = False

    @property
    def n_distinct(self) -> int:
        return len(self.distinct)

    def has(self, *words: str) -> bool:
        """Every one of ``words`` is a word of the name, or (Chinese) a part of it."""
        flat = self.norm.replace(" ", "")
        return all((w in self.words) if not _CJK.search(w) else (w in flat) for w in words)

    def any_of(self, *words: str) -> bool:
        return any(self.has(w) for w in words)


def _words(name: str) -> str:
    s = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)  # CustomerID -> Customer ID
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", s)
    s = re.sub(r"([\u3400-\u9fff])([A-Za-z0-9])", r"\1 \2", s)  # 用户ID -> 用户 ID
    s = re.sub(r"([A-Za-z0-9])([\u3400-\u9fff])", r"\1 \2", s)
    return " ".join(re.sub(r"[^0-9a-z\u3400-\u9fff]+", " ", s.lower()).split())


def _describe(name: str, raw: pd.Series) -> _Col:
    text = raw.astype("string").str.strip()
    text = text.where(text != "", pd.NA)
    filled = text.dropna()
    norm = _words(str(name))
    col = _Col(name=str(name), values=text, words=set(norm.split()), norm=norm)
    col.distinct = [str(v) for v in pd.unique(filled)]
    col.blank_share = float(text.isna().mean()) if len(text) else 0.0
    col.unique = bool(len(filled)) and len(filled) == len(text) and filled.is_unique
    number = pd.to_numeric(filled, errors="coerce")
    if len(filled) and bool(number.notna().all()):
        col.numeric, col.numbers = True, number.astype("float64")
    return col


def _snake(name: str) -> str:
    s = _words(name).replace(" ", "_")
    if not s or not re.match(r"[a-z_\u3400-\u9fff]", s):
        s = "col_" + s
    return s


# -- guessing -------------------------------------------------------------------------
_REVENUE_WORDS = ("charge", "charges", "fee", "fees", "spend", "spending", "spendings", "bill")
_MINUTES_WORDS = ("minutes", "mins", "min", "calls", "duration", "count", "number", "gb", "mb")
_PART_WORDS = {
    "day": "day",
    "eve": "evening",
    "evening": "evening",
    "night": "night",
    "intl": "international",
    "international": "international",
    "白天": "day",
    "日间": "day",
    "傍晚": "evening",
    "晚间": "evening",
    "夜间": "night",
    "国际": "international",
    "长途": "long distance",
}

_CHURNED = {
    "yes", "y", "true", "t", "1", "churned", "churn", "lost", "left", "exited", "cancelled",
    "canceled", "terminated", "流失", "已流失", "离网", "已离网", "是", "销户", "已销户",
}  # fmt: skip
_ACTIVE = {
    "no", "n", "false", "f", "0", "stayed", "active", "retained", "current", "在网", "正常",
    "否", "未流失", "joined", "new", "新入网", "新增",
}  # fmt: skip

_CONTRACTS = [
    (("month-to-month", "month to month", "monthly", "month", "月付", "按月", "包月"), "monthly"),
    (("one year", "1 year", "one_year", "12 month", "一年", "1年", "12个月"), "one_year"),
    (("two year", "2 year", "two_year", "24 month", "两年", "二年", "2年", "24个月"), "two_year"),
    (("three year", "3 year", "multi", "三年", "3年", "多年"), "multi_year"),
    (("none", "no", "no contract", "0", "false", "无", "否", "无合约"), "none"),
]

_CUSTOMER_TYPES = [
    (
        ("key account", "key_account", "vip", "大客户", "集团", "集团客户", "重要客户"),
        "key_account",
    ),
    (("business", "enterprise", "corporate", "sme", "company", "企业", "商业", "政企"), "business"),
    (
        ("residential", "individual", "personal", "consumer", "private", "个人", "公众", "家庭"),
        "residential",
    ),
]

#: reason words -> cause code of kamlib/config/causes.yaml; the first rule that matches wins
_CAUSE_RULES: list[tuple[Callable[[str], bool], str, str]] = []


def _cause_rule(code: str, why: str) -> Callable[[Callable[[str], bool]], Callable[[str], bool]]:
    def add(test: Callable[[str], bool]) -> Callable[[str], bool]:
        _CAUSE_RULES.append((test, code, why))
        return test

    return add


def _has(t: str, *words: str) -> bool:
    return any(w in t for w in words)


_COMPETITOR = ("competitor", "other operator", "another operator", "other carrier",
               "another carrier", "other provider", "another provider", "竞争", "友商", "对手",
               "其他运营商", "别的运营商", "别家")  # fmt: skip
#: a better commercial offer (competitor_price's meaning); "offer" as a word, so that
#: "offering more data" (a product) is not one
_OFFER = re.compile(r"\boffers?\b|\bdeals?\b|discount|promotion|cheaper|price|低价|便宜|价格|优惠|降价|折扣|促销|让利")  # fmt: skip
_cause_rule("unknown", "'don't know'")(lambda t: _has(t, "don't know", "dont know", "unknown", "not sure", "不详", "不知道", "未知", "不清楚", "说不清", "不明"))  # fmt: skip
_cause_rule("competitor_price", "a competitor and a better price or offer")(
    lambda t: _has(t, *_COMPETITOR) and bool(_OFFER.search(t))
)
_cause_rule("competitor_promise", "a competitor and a promise")(
    lambda t: _has(t, *_COMPETITOR) and _has(t, "promise", "承诺")
)
_cause_rule("competitor_offering", "a competitor (a better product, network or coverage)")(
    lambda t: _has(t, *_COMPETITOR, "携号转网")
)
_cause_rule("moved_or_closed", "moved, closed or deceased")(
    lambda t: _has(t, "moved", "moving", "relocat", "deceased", "died", "closed", "搬迁", "搬家", "移居", "倒闭", "身故", "去世", "迁出")
)  # fmt: skip
# a billing problem (wrong or confusing bills) is how the customer was served, not the
# price level (causes.yaml: service vs price); "bills too high" stays price
_cause_rule("service", "a billing problem (how the customer was served)")(
    lambda t: _has(t, "billing", "invoice", "账单", "计费", "扣费")
    and not _has(t, "expensive", "too high", "太贵", "太高", "偏高")
)  # fmt: skip
_cause_rule("non_payment", "unpaid bills")(lambda t: _has(t, "non-payment", "unpaid", "nonpayment", "欠费"))  # fmt: skip
_cause_rule("fraud", "fraud")(lambda t: _has(t, "fraud", "欺诈"))
_cause_rule("staff_turnover", "the account manager left")(lambda t: _has(t, "account manager", "客户经理"))  # fmt: skip
_cause_rule("decision_maker", "a new decision-maker")(lambda t: _has(t, "decision", "决策人"))
_cause_rule("price", "price or charges")(
    lambda t: _has(t, "price", "charge", "afford", "expensive", "cost", "fee", "资费", "价格", "太贵", "费用", "收费")
)  # fmt: skip
_cause_rule("offering", "the product, network or range")(
    lambda t: _has(t, "product", "network", "range", "coverage", "quality", "speed", "signal", "产品", "网络", "信号", "覆盖", "质量", "网速")
)  # fmt: skip
_cause_rule("service", "service, support or attitude")(
    lambda t: _has(t, "service", "support", "attitude", "repair", "服务", "态度", "维修", "投诉")
)  # fmt: skip
_cause_rule("relationship", "the relationship")(lambda t: _has(t, "relationship", "关系"))


def _cause_of(text: str) -> tuple[str, str] | None:
    t = text.lower()
    for test, code, why in _CAUSE_RULES:
        if test(t):
            return code, why
    return None


def _in(value: str, table: set[str]) -> bool:
    return value.strip().lower() in table


def _status_target(value: str, inverted: bool) -> str | None:
    v = value.strip().lower()
    try:
        v = str(int(float(v))) if v not in ("nan", "inf") else v
    except ValueError:
        pass
    if v in _CHURNED:
        return "active" if inverted else "churned"
    if v in _ACTIVE:
        return "churned" if inverted else "active"
    return None


def _truthy(value: str) -> bool:
    """1, yes, true, 是 ... (a flag that is set)."""
    return value.strip().lower() in {"1", "1.0", "yes", "y", "true", "t", "是", "有"}


def _lookup(value: str, rules: list[tuple[tuple[str, ...], str]]) -> str | None:
    v = value.strip().lower()
    for words, target in rules:
        if v in words:
            return target
    # a part of the value, the longest first: "12 months" is a year, not "month"
    parts = sorted(((w, t) for words, t in rules for w in words), key=lambda wt: -len(wt[0]))
    return next((t for w, t in parts if len(w) > 2 and w in v), None)


@dataclass
class _Guess:
    target: str
    col: _Col
    why: str


def _is_id_name(c: _Col) -> bool:
    if c.has("phone") and c.any_of("number", "no"):  # a line's number: an id in telecom
        return True
    return c.any_of("id", "msisdn", "编号", "用户id", "客户id", "账号", "账户", "号码") or (
        c.any_of("customer", "account", "user", "subscriber") and c.any_of("no", "number", "code")
    )


def _guess_id(cols: list[_Col]) -> tuple[_Guess | None, _Col | None]:
    """The id column (unique, id-like name) and, if none, an id-like column that repeats."""
    named = [c for c in cols if _is_id_name(c) and not c.any_of("zip", "postal", "邮编")]
    named.sort(key=lambda c: not c.any_of("customer", "account", "user", "subscriber", "客户", "用户"))  # fmt: skip
    for c in named:
        if c.unique:
            return _Guess(
                "account_id", c, f"name matches an id, {len(c.values):,} unique values"
            ), None
    return None, named[0] if named else None


_FINDERS: list[tuple[str, Callable[[_Col], str | None]]] = []


def _finder(target: str) -> Callable[[Callable[[_Col], str | None]], Callable[[_Col], str | None]]:
    def add(f: Callable[[_Col], str | None]) -> Callable[[_Col], str | None]:
        _FINDERS.append((target, f))
        return f

    return add


_BRANCH_WORDS = ("branch", "分公司", "本地网", "city", "地市", "城市", "region", "area", "district",
                 "区域", "地区", "state", "province", "省份", "省", "州")  # fmt: skip

#: codes: an area code or zip is neither a branch nor a quantity (never a numeric driver)
_CODES = ("zip", "postal", "code", "邮编", "邮政编码", "区号", "区码", "编码")


@_finder("branch")
def _branch(c: _Col) -> str | None:
    if c.numeric or c.any_of(*_CODES):
        return None
    for w in _BRANCH_WORDS:
        if c.has(w):
            return f"name matches '{w}', {c.n_distinct:,} values"
    return None


_NOT_STATUS = ("reason", "category", "cause", "type", "date", "score", "risk", "probability",
               "value", "month", "原因", "类别", "日期", "时间", "类型", "概率")  # fmt: skip


@_finder("status")
def _status(c: _Col) -> str | None:
    if c.any_of(*_NOT_STATUS) or not 1 <= c.n_distinct <= 10:
        return None
    for w in ("churn", "churned", "lost", "exited", "attrition", "status", "active", "流失", "离网", "状态", "在网"):  # fmt: skip
        if c.has(w):
            shown = "/".join(c.distinct[:4])
            return f"name matches '{w}', {c.n_distinct} values: {shown}"
    return None


@_finder("tenure_months")
def _tenure(c: _Col) -> str | None:
    if not c.numeric:
        return None
    if c.any_of("tenure", "lifetime", "在网时长", "使用月数", "网龄", "在网月数", "入网时长", "在网天数", "入网天数", "在网时间"):  # fmt: skip
        return "name says how long the customer has been with the operator"
    if c.has("account", "length"):
        return "name 'account length' (its unit is not stated: months assumed)"
    return None


@_finder("contract")
def _contract(c: _Col) -> str | None:
    if c.any_of("contract", "合约", "合同") and not c.any_of("end", "date", "到期", "日期") and c.n_distinct <= 10:  # fmt: skip
        return f"name matches 'contract', {c.n_distinct} values"
    return None


@_finder("monthly_revenue")
def _monthly(c: _Col) -> str | None:
    if not c.numeric or c.n_distinct <= 5:  # a tier code (1/2/3) is not money
        return None
    if c.has("monthly") and c.any_of(*_REVENUE_WORDS, "revenue") and not c.any_of(*_MINUTES_WORDS, "avg", "average"):  # fmt: skip
        return "name says a monthly charge"
    for w in ("arpu", "月费", "套餐金额", "月消费", "月收入", "月租", "月均消费"):
        if c.has(w):
            return f"name matches '{w}'"
    return None


@_finder("lifetime_revenue")
def _lifetime(c: _Col) -> str | None:
    if not c.numeric or c.n_distinct <= 5:
        return None
    if c.has("total", "revenue") or c.words in ({"total", "charges"}, {"total", "charge"}):
        return "a 'Total ...' amount is cumulative since the customer joined (docs/mapping.md)"
    if c.any_of("累计收入", "累计消费", "总收入", "总消费"):
        return "a cumulative amount since the customer joined"
    return None


@_finder("churn_cause")
def _reason(c: _Col) -> str | None:
    if c.numeric:
        return None
    if c.any_of("reason", "cause", "原因"):
        return f"name matches a reason, {c.n_distinct} texts"
    return None


@_finder("churn_category")
def _category(c: _Col) -> str | None:
    if not c.numeric and (c.has("churn", "category") or c.any_of("流失类别", "流失分类")):
        return f"name matches 'churn category', {c.n_distinct} values"
    return None


@_finder("satisfaction")
def _satisfaction(c: _Col) -> str | None:
    if c.numeric and c.any_of("satisfaction", "csat", "满意度"):
        return "name matches 'satisfaction'"
    return None


@_finder("join_date")
def _join(c: _Col) -> str | None:
    if (c.any_of("join", "joined", "start", "activation", "signup") and c.any_of("date", "day")) or c.any_of("入网时间", "入网日期", "开户日期", "开户时间"):  # fmt: skip
        return "name says when the account was opened"
    return None


@_finder("churn_date")
def _churn_date(c: _Col) -> str | None:
    if (c.any_of("churn", "termination", "cancel", "cancellation", "exit") and c.any_of("date", "day")) or c.any_of("离网时间", "离网日期", "销户日期", "销户时间"):  # fmt: skip
        return "name says when the account left"
    return None


@_finder("customer_type")
def _ctype(c: _Col) -> str | None:
    if c.n_distinct > 10:
        return None
    if c.has("customer", "type") or c.any_of("segment", "客户类型", "客户类别", "客户群"):
        return f"name matches a customer type, {c.n_distinct} values"
    if c.has("key", "account") or c.any_of("集团用户", "集团客户", "大客户"):
        return f"a key-account flag, {c.n_distinct} values: {'/'.join(c.distinct[:4])}"
    return None


@_finder("account_manager")
def _am(c: _Col) -> str | None:
    if c.has("account", "manager") or c.has("sales", "rep") or c.has("客户经理"):
        return "name matches 'account manager'"
    return None


@_finder("industry")
def _industry(c: _Col) -> str | None:
    if not c.numeric and c.any_of("industry", "sector", "行业"):
        return "name matches 'industry'"
    return None


@_finder("name")
def _cname(c: _Col) -> str | None:
    if c.numeric:
        return None
    if c.has("name") and c.any_of("customer", "company", "account", "client"):
        return "name matches 'customer name'"
    if c.any_of("客户名称", "单位名称", "企业名称", "公司名称"):
        return "name matches '客户名称'"
    return None


#: among several columns a finder accepts, the lowest rank wins (then the first)
_RANKS: dict[str, Callable[[_Col], int]] = {
    "branch": lambda c: next(i for i, w in enumerate((*_BRANCH_WORDS, "")) if not w or c.has(w)),
    "lifetime_revenue": lambda c: 0 if c.any_of("revenue", "收入") else 1,
    "status": lambda c: 0 if c.any_of("churn", "流失", "离网", "lost") else 1,
}


def _is_charge(c: _Col) -> bool:
    """A numeric money column (a charge or fee), not minutes, calls or volumes."""
    if not c.numeric or c.any_of(*_MINUTES_WORDS, "通话时长", "分钟", "次数", "时长", "流量"):
        return False
    return c.any_of(*_REVENUE_WORDS) or "费" in c.name


def _split_charges(cols: list[_Col]) -> list[tuple[_Col, str]]:
    """Charges split over several columns (day/evening/night/international)."""
    out = []
    for c in cols:
        if not _is_charge(c):
            continue
        part = next((p for w, p in _PART_WORDS.items() if c.has(w)), None)
        if part:
            out.append((c, part))
    return out if len({p for _, p in out}) >= 2 else []


def _suffix(c: _Col) -> str:
    """What a split charge's name says besides its part: "话费" of "白天话费", "total
    charge" of "Total day charge" (the words of the name, in order, without the part)."""
    parts = [w for w in _PART_WORDS if c.has(w)]
    if _CJK.search(c.name):
        flat = c.norm.replace(" ", "")
        for w in parts:
            flat = flat.replace(w, "")
        return flat
    return " ".join(w for w in c.norm.split() if w not in parts)


def _siblings_left_out(split: list[tuple[_Col, str]], cols: list[_Col]) -> list[tuple[_Col, str]]:
    """Charge columns with the same suffix as the sum's operands that the sum leaves out
    (a roaming charge, or a total): a person decides whether each is a part."""
    summed = {c.name for c, _ in split}
    suffixes = {_suffix(c) for c, _ in split} - {""}
    out = []
    for c in cols:
        if c.name in summed or not _is_charge(c):
            continue
        for sfx in suffixes:
            same = (
                c.norm.replace(" ", "").endswith(sfx)
                if _CJK.search(sfx)
                else set(sfx.split()) <= c.words
            )
            if same:
                out.append((c, sfx))
                break
    return out


_YUAN = re.compile(r"(^|[^单纪公])元")  # 月费(元), 万元; not 单元 (a unit)
_YUAN_VALUE = re.compile(r"\d\s*万?元")  # "58元"
_CURRENCY_SIGNS: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    # code, signs found anywhere in a header or value, words of a header
    ("CNY", ("¥", "￥", "人民币"), ("cny", "rmb", "yuan")),
    ("USD", ("$", "us$"), ("usd", "dollar", "dollars")),
    ("EUR", ("€",), ("eur", "euro", "euros")),
    ("GBP", ("£",), ("gbp", "pound", "pounds")),
]


def _currency(cols: list[_Col]) -> tuple[set[str], str]:
    """The currencies a header or a value actually names (元, ¥, CNY, RMB, $, USD...),
    and where the first was seen. Chinese headers alone say nothing about the currency."""
    found: set[str] = set()
    where = ""
    for c in cols:
        texts = [("header", c.name)] + [("value", v) for v in c.distinct[:50] if not c.numeric]
        for kind, t in texts:
            low = t.lower()
            for code, signs, words in _CURRENCY_SIGNS:
                hit = any(s in low for s in signs) or (
                    kind == "header" and bool(set(_words(t).split()) & set(words))
                )
                if code == "CNY" and (_YUAN if kind == "header" else _YUAN_VALUE).search(t):
                    hit = True
                if hit:
                    if not where:
                        where = (
                            f"the {kind} {t!r} of {c.name!r}"
                            if kind == "value"
                            else f"the header {t!r}"
                        )
                    found.add(code)
    return found, where


_MONTH_NAMES = ("month", "period", "月份", "账期", "月", "统计月份", "账单月")


def _month_columns(cols: list[_Col]) -> tuple[_Col | None, _Col | None]:
    """(year, month) columns, or (None, a YYYY-MM column), or (None, None)."""
    year = next((c for c in cols if c.numeric and c.any_of("year", "年份", "年")), None)
    month = next((c for c in cols if c.any_of(*_MONTH_NAMES) and not c.any_of("months")), None)
    if month is None:
        return None, None
    if year is not None and month.numeric:
        return year, month
    return None, month


# -- writing --------------------------------------------------------------------------
def _q(value: Any) -> str:
    """A YAML scalar quoted as JSON (valid YAML; never read as a boolean or a number)."""
    return json.dumps(str(value), ensure_ascii=False)


def _examples(c: _Col, n: int = 3) -> str:
    return ", ".join(_short(v) for v in c.distinct[:n])


def _short(v: str, width: int = 30) -> str:
    return v if len(v) <= width else v[: width - 1] + "…"


def _about(c: _Col) -> str:
    blank = f"{c.blank_share:.0%} blank"
    if c.numeric and c.numbers is not None:
        lo, hi = c.numbers.min(), c.numbers.max()
        kind = f"numbers {lo:g} to {hi:g}"
    else:
        kind = f"text, {c.n_distinct:,} value{'s' if c.n_distinct != 1 else ''}"
    ex = f"; e.g. {_examples(c)}" if c.distinct else ""
    return f"{kind}, {blank}{ex}"


def _cause_comment() -> list[str]:
    from ._config import cause_taxonomy

    tax = cause_taxonomy()
    lines = [
        "# cause codes (kamlib/config/causes.yaml; docs/causes.md shows how to group reasons):"
    ]
    for code, row in tax.iterrows():
        meaning = row.get("meaning") if "meaning" in tax.columns else None
        text = meaning if isinstance(meaning, str) and meaning else row.get("en", "")
        lines.append(f"#   {code}: {text} ({row.get('group', '')})")
    lines += [
        "# A reason you leave out of this map is not lost: it shows as itself under",
        "# 'unclassified' in the cause tree. Map it to a code to count it in that cause.",
    ]
    return lines


def _values_block(
    target: str, c: _Col, decide: Callable[[str], tuple[str | None, str]], indent: str
) -> list[str]:
    lines = [f"{indent}{target}:"]
    for v in c.distinct:
        code, why = decide(v)
        comment = f"  # {why}" if why else ""
        lines.append(f"{indent}  {_q(v)}: {code or TODO}{comment}")
    return lines


def _status_decider(c: _Col) -> Callable[[str], tuple[str | None, str]]:
    inverted = c.any_of("active", "retained", "在网", "stay", "stayed") and not c.any_of("churn", "流失", "离网")  # fmt: skip

    def decide(v: str) -> tuple[str | None, str]:
        t = _status_target(v, inverted)
        if t is None:
            return None, "churned or active?"
        if v.strip().lower() in ("joined", "new", "新入网", "新增"):
            return t, "new this period: still a customer"
        return t, ""

    return decide


def _contract_decider(c: _Col) -> Callable[[str], tuple[str | None, str]]:
    def decide(v: str) -> tuple[str | None, str]:
        t = _lookup(v, _CONTRACTS)
        if t is not None:
            return t, ""
        if _truthy(v):  # a flag: "has a contract", of a length the file does not say
            return None, "a contract of which length? monthly, one_year, two_year or multi_year"
        return None, "none, monthly, one_year, two_year or multi_year?"

    return decide


def _type_decider(c: _Col) -> Callable[[str], tuple[str | None, str]]:
    flag = not c.has("type") and c.n_distinct <= 2

    def decide(v: str) -> tuple[str | None, str]:
        if flag:
            if _truthy(v):  # 1 / yes / 是: a key account
                return "key_account", ""
            return None, "not a key account: business or residential?"
        t = _lookup(v, _CUSTOMER_TYPES)
        return t, "" if t else "key_account, business or residential?"

    return decide


def _cause_decider(v: str) -> tuple[str | None, str]:
    found = _cause_of(v)
    if found is None:
        return None, "a cause code below, or delete the line (shown as itself)"
    return found[0], f"guessed from {found[1]}"


_DECIDERS: dict[str, Callable[[_Col], Callable[[str], tuple[str | None, str]]]] = {
    "status": _status_decider,
    "contract": _contract_decider,
    "customer_type": _type_decider,
    "churn_cause": lambda c: _cause_decider,
}

#: the accounts table's own columns: a kept column never takes one of their names
_CANONICAL = {c.name for c in ACCOUNTS.columns}

#: drivers that are not: codes and coordinates
_NOT_DRIVERS = (*_CODES, "latitude", "longitude", "lat", "lon", "lng", "经度", "纬度", "号码")  # fmt: skip

#: text columns with at most this many values are kept as candidate drivers (a plan
#: flag, a payment method); more is free text or a place, listed for a person to decide
MAX_KEPT_VALUES = 12

#: names of dates and periods: never a driver
_DATE_WORDS = ("date", "time", "month", "year", "period", "日期", "时间", "月份", "年份", "账期")


def draft_mapping(
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sample_rows: int | None = None,
) -> str:
    """A commented draft mapping (YAML text) for an operator's export.

    Reads the export (CSV, .xlsx or Parquet; UTF-8, BOM and GBK are detected, and the
    delimiter from the header), lists every source column and guesses what each one
    is: the account id, branch, churn status, tenure, contract, revenue, churn reasons and
    the other canonical columns of ``docs/data-model.md``; numeric, yes/no and
    few-valued text columns it does not map are kept as candidate churn drivers (codes,
    dates, ids and free text are not). Categorical columns get a ``values:`` map with
    every distinct value seen. The currency is filled only when a header or a value
    names it. ``TODO`` marks what a person must decide; the loader refuses a mapping
    while one is left.

    Parameters
    ----------
    path
        The export file.
    sheet
        The sheet of a workbook with several.
    encoding, delimiter
        Only when detection is wrong.
    sample_rows
        Read only the first rows (all by default): faster on a very large export, but
        values that appear only later are not in the ``values:`` maps.

    Returns
    -------
    str
        The draft, to save as ``mapping.yaml`` and edit.

    Examples
    --------
    >>> import kamlib, tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
    >>> _ = f.write_text("Customer ID,City,Churn\\nA1,Suzhou,Yes\\nA2,Wuxi,No\\n")
    >>> text = kamlib.draft_mapping(f)
    >>> print("\\n".join(line for line in text.splitlines() if "status" in line))
          status: "Churn"  # name matches 'churn', 2 values: Yes/No
          status:
    """
    from ._io import read_table_file

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"file {path} not found (looked in {path.resolve().parent})")
    csv = path.suffix.lower() in (".csv", ".txt")
    found_encoding, found_delimiter = _detect(path) if csv else ("", ",")
    delim = delimiter or found_delimiter
    raw = read_table_file(path, sheet=sheet, delimiter=delim, encoding=encoding)
    total = len(raw)
    if sample_rows is not None:
        raw = raw.head(sample_rows)
    cols = [_describe(str(name), raw[name]) for name in raw.columns]
    return _Draft(path, cols, total, len(raw), sheet, encoding, found_encoding, delim).text()


class _Draft:
    def __init__(
        self,
        path: Path,
        cols: list[_Col],
        total: int,
        read: int,
        sheet: str | None,
        encoding: str | None,
        found_encoding: str,
        delimiter: str,
    ) -> None:
        self.path, self.cols, self.total, self.read = path, cols, total, read
        self.sheet, self.encoding, self.found_encoding = sheet, encoding, found_encoding
        self.delimiter = delimiter
        self.used: set[str] = set()

    # each source column is placed once: mapped, computed, kept or listed as unused
    def _free(self) -> list[_Col]:
        return [c for c in self.cols if c.name not in self.used]

    def _header(self, monthly: bool, repeated: _Col | None) -> list[str]:
        name = self.path.name
        how = f"{self.read:,} rows" + (f" (of {self.total:,})" if self.read < self.total else "")
        if self.path.suffix.lower() in (".csv", ".txt"):
            enc = self.encoding or self.found_encoding
            how += f"; encoding {enc}; delimiter {self.delimiter!r}"
        elif self.sheet is not None:
            how += f"; sheet {self.sheet!r}"
        out = [
            f"# Draft mapping for {name}, written by `kam map` from the file itself.",
            f"# Read: {how}; {len(self.cols)} columns, each listed below.",
            "# Every guess has a comment saying why; TODO marks what only you can decide (kamlib",
            "# refuses the mapping while a TODO is left). Then:",
        ]
        if monthly:  # several files: the folder that holds them (files: relative to it)
            out += [
                "#   kam validate FOLDER --mapping mapping.yaml   # FOLDER: where this file and",
                "#   kam report FOLDER --mapping mapping.yaml     # the accounts file are",
            ]
        else:
            out += [
                f"#   kam validate {name} --mapping mapping.yaml",
                f"#   kam report {name} --mapping mapping.yaml",
            ]
        if monthly and repeated is not None:
            out += [
                f"# NOTE: ids repeat in {repeated.name!r} ({len(repeated.values):,} rows, "
                f"{repeated.n_distinct:,} ids): one row per",
                "# customer and month. This file is drafted as monthly tables (billing, usage);",
                "# the accounts table (one row per customer, with the churn status) must come from",
                "# another file: fill in the accounts section (run kam map on that file for a draft).",
            ]
        return out

    def text(self) -> str:
        ident, repeated = _guess_id(self.cols)
        year, month = _month_columns(self.cols)
        monthly = ident is None and repeated is not None
        lines = self._header(monthly, repeated)
        lines += [
            "kamlib_mapping: 1",
            f"name: {_q(self.path.stem)}  # shown in every report",
        ]
        if not self._has_money(monthly):
            lines.append("# currency: CNY  # no money column found: the currency does not matter")
        else:
            found, where = _currency(self.cols)
            if len(found) == 1:
                lines.append(f"currency: {next(iter(found))}  # {where} says so")
            elif found:
                lines.append(
                    f"currency: TODO  # the file names several: {', '.join(sorted(found))}"
                )
            else:
                lines.append(
                    "currency: TODO  # the money columns' currency (CNY, USD, EUR...): the file does not say"
                )
        lines += [
            '# as_of: "YYYY-MM-DD"  # end of the observation period, when the data have no dates',
            "tables:",
        ]
        if monthly and repeated is not None:
            lines += self._monthly(repeated, year, month)
        else:
            lines += self._accounts(ident)
        return "\n".join(lines) + "\n"

    def _has_money(self, monthly: bool) -> bool:
        """Whether the draft will map a money column (then its currency matters)."""
        if monthly:
            return True
        cols = self.cols
        return bool(_split_charges(cols) or any(_monthly(c) or _lifetime(c) for c in cols))

    # -- one row per customer ----------------------------------------------------------
    def _accounts(self, ident: _Guess | None) -> list[str]:
        guesses: list[_Guess] = []
        if ident is not None:
            guesses.append(ident)
            self.used.add(ident.col.name)
        for target, find in _FINDERS:
            if target in {g.target for g in guesses}:
                continue
            found = [(c, why) for c in self._free() for why in [find(c)] if why]
            if found:
                rank = _RANKS.get(target, lambda c: 0)
                c, why = min(found, key=lambda cw: rank(cw[0]))  # the first of the best
                guesses.append(_Guess(target, c, why))
                self.used.add(c.name)
        has = {g.target for g in guesses}
        split = [] if "monthly_revenue" in has else _split_charges(self._free())
        for c, _ in split:
            self.used.add(c.name)
        days = next(
            (
                g
                for g in guesses
                if g.target == "tenure_months" and g.col.any_of("days", "day", "天")
            ),
            None,
        )
        out = ["  accounts:", f"    file: {_q(self.path.name)}"]
        if self.sheet is not None:
            out.append(f"    sheet: {_q(self.sheet)}")
        if self.delimiter != ",":
            out.append(f"    delimiter: {_q(self.delimiter)}")
        if self.encoding:
            out.append(f"    encoding: {_q(self.encoding)}")
        if ident is None:
            out += [
                "    row_ids: true  # no column with unique values and an id-like name: each account is",
                "                   # known by its line in the file ('2' = the first data row)",
            ]
        out.append("    columns:  # canonical name: the export's column")
        for g in guesses:
            if g is days:
                continue
            out.append(f"      {g.target}: {_q(g.col.name)}  # {g.why}")
        compute = []
        if split:
            parts = ", ".join(_q(c.name) for c, _ in split)
            compute.append(
                f"      monthly_revenue: {{sum: [{parts}]}}  # charges split by "
                f"{', '.join(dict.fromkeys(p for _, p in split))}: their sum (check they are per month)"
            )
            for c, sfx in _siblings_left_out(split, self.cols):
                compute.append(
                    f"      # left out of the sum: {_q(c.name)} ends like its parts ({sfx!r}); add it"
                    " if it is a part of the monthly charge, not if it is their total"
                )
        if days is not None:
            compute.append(
                f"      tenure_months: {{column: {_q(days.col.name)}, times: {DAYS_TO_MONTHS}}}"
                "  # the column counts days: x 0.0329 (12 months / 365.25 days) gives months"
            )
        if compute:
            out += ["    compute:  # arithmetic on the export's columns", *compute]
        kept = self._kept()
        if kept:
            out.append(
                "    keep:  # candidate churn drivers (numbers, yes/no and text with few values):"
                " source column: new name"
            )
            out += kept
        values: list[str] = []
        for g in guesses:
            if g.target in _DECIDERS:
                values += _values_block(g.target, g.col, _DECIDERS[g.target](g.col), "      ")
                if g.target == "churn_cause":
                    values += ["      " + line for line in _cause_comment()]
        if values:
            out.append("    values:  # the export's values -> kamlib's categories (keys quoted)")
            out += values
        if "branch" not in has:
            out += [
                "    constants:  # the same for every row: an assumption, and reports say so",
                "      branch: TODO  # no branch/city column found: the branch these accounts belong to",
            ]
        if "churn_cause" not in has and "churn_category" not in has:
            out.append("    # no churn reason column found: the report says it cannot show causes")
        out += self._unused("    ")
        return out

    def _kept(self, indent: str = "      ") -> list[str]:
        out = []
        names: set[str] = set()
        for c in self._free():
            if c.n_distinct < 2 or c.any_of(*_NOT_DRIVERS):
                continue
            # text: a yes/no flag or a few categories (a plan, a payment method) may be the
            # strongest driver; free text, ids and dates are not drivers
            if not c.numeric and (
                c.n_distinct > MAX_KEPT_VALUES or c.any_of(*_DATE_WORDS) or _is_id_name(c)
            ):
                continue
            new = _snake(c.name)
            while new in names or new in _CANONICAL:  # a kept "Total Revenue" is not total_revenue
                new = new + "_" if new in names else "source_" + new
                new += "_"
            names.add(new)
            self.used.add(c.name)
            out.append(f"{indent}{_q(c.name)}: {_q(new)}  # {_about(c)}")
        return out

    def _unused(self, indent: str) -> list[str]:
        free = self._free()
        if not free:
            return []
        out = [
            f"{indent}# not mapped (add one under keep: to use it as a churn driver, or under columns:):"
        ]
        for c in free:
            why = ""
            if c.n_distinct == 1:
                why = " (one value for every row)"
            elif c.numeric and c.any_of(*_NOT_DRIVERS):
                why = " (a code or coordinate, not a quantity)"
            out.append(f"{indent}#   {_q(c.name)}: {_about(c)}{why}")
        return out

    # -- one row per customer and month ------------------------------------------------
    def _monthly(self, ident: _Col, year: _Col | None, month: _Col | None) -> list[str]:
        self.used.add(ident.name)
        out = [
            "  accounts:  # TODO: from another file, one row per customer (see the NOTE above)",
            "    file: TODO  # e.g. the file that holds each customer's churn flag",
            "    columns:",
            "      account_id: TODO  # the id column of that file",
            "      status: TODO  # its churn flag; add values: to map it to churned/active",
            "    constants:  # the same for every row: an assumption, and reports say so",
            "      branch: TODO  # or map a branch/city column of that file under columns:",
        ]
        month_lines: list[str]
        if year is not None and month is not None:
            self.used |= {year.name, month.name}
            month_lines = [
                "    compute:",
                f"      month: {{month_of: [{_q(year.name)}, {_q(month.name)}]}}  # year and month columns -> YYYY-MM",
            ]
        elif month is not None:
            self.used.add(month.name)
            month_lines = [f"      month: {_q(month.name)}  # name matches a month"]
        else:
            month_lines = ["      month: TODO  # the billing month (YYYY-MM) of each row"]
        spend = next(
            (
                c
                for c in self._free()
                if c.numeric
                and (c.any_of(*_REVENUE_WORDS, "revenue", "amount", "消费", "收入", "金额"))
                and not c.any_of(*_MINUTES_WORDS, "max", "min", "balance", "余额")
                and not c.any_of("calls", "sms", "gprs", "data")
            ),
            None,
        )
        file = [f"    file: {_q(self.path.name)}"]
        if self.sheet is not None:
            file.append(f"    sheet: {_q(self.sheet)}")
        if self.delimiter != ",":
            file.append(f"    delimiter: {_q(self.delimiter)}")
        out += ["  billing:  # revenue per account and month", *file]
        in_columns = year is None  # a month column (or its TODO) is mapped under columns:
        out += [
            "    columns:",
            f"      account_id: {_q(ident.name)}  # the id that repeats by month",
        ]
        if in_columns:
            out += month_lines
        if spend is not None:
            self.used.add(spend.name)
            out.append(f"      revenue: {_q(spend.name)}  # the customer's spend in the month")
        else:
            out.append("      revenue: TODO  # the month's revenue (billed amount) column")
        if not in_columns:
            out += month_lines
        out += [
            "    constants:",
            '      product: "all"  # the export has no product line: one for every row (an assumption)',
        ]
        calls = next(
            (
                c
                for c in self._free()
                if c.numeric
                and c.has("calls", "count")
                and not c.any_of("has", "onnet", "offnet", "abroad", "max", "last")
            ),
            None,
        )
        if calls is not None:
            self.used.add(calls.name)
            out += ["  usage:  # usage signals per account and month", *file, "    columns:"]
            out.append(f"      account_id: {_q(ident.name)}")
            if in_columns:
                out += month_lines
            out.append(f"      calls: {_q(calls.name)}  # outgoing calls in the month")
            if not in_columns:
                out += month_lines
        out += self._unused("  ")
        return out
