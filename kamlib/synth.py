"""The sample operator: a realistic, seeded telecom operator at any size.

Generates accounts of five city branches (the cities of the source material), 12 months of
billing by product, cost-to-serve drivers, usage signals, churn with types and causes,
planted group-churn episodes, retention contacts, the account-manager history and
key-account contracts, and service tickets and satisfaction surveys (drawn last, from
streams of their own: ``kamlib._sample_service``). The patterns of the domain brief
are made *to be found* (concentrated revenue, a loss-making tail, price-led mass-market
churn, relationship-led key-account churn, warning signals before group churn); no
analysis reads anything but the tables.

It also holds, at a realistic small share, what real exports have (drawn from a second
random stream, so the rest of the sample does not move with their rates): accounts that
left before the window, accounts with no join date, credit notes (negative billing lines),
blanks in optional columns, new joiners whose chance of leaving is in proportion to their
time at risk, and group-churn signals that overlap the normal noise (active groups whose
forwarding rises or bill falls for reasons of their own, leaving groups whose signals are
weak), so that :func:`kamlib.group_warnings` is right about most groups, not all.

Vectorised over accounts (numpy), so the same code makes 2,000 accounts for the committed
sample and millions for the benchmarks.

``names="zh"`` gives the same operator with Chinese names, as a Chinese operator's export
has them: branches 苏州, 昆明, 杭州, 北京, 汉中, company names such as
"苏州恒达物流有限公司", residential customers by personal name, account managers by
name (unique per branch) and the competitors 中国移动, 中国联通, 中国广电. The names come
from a stream of their own and are put in only at output, so every number is the English
sample's. :func:`write_sample` writes it in GBK too, as many Chinese systems export.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._book import Book, build_book
from ._sample_service import service_tables

__all__ = [
    "SampleOperator",
    "synth",
    "write_sample",
    "write_synth",
    "BRANCH_WEIGHTS",
    "BRANCH_ZH",
    "PRODUCTS",
]

BRANCH_WEIGHTS = {
    "Beijing": 0.30,
    "Hangzhou": 0.22,
    "Suzhou": 0.20,
    "Kunming": 0.16,
    "Hanzhong": 0.12,
}
TYPES = np.array(["key_account", "business", "residential"])
TYPE_P = np.array([0.12, 0.28, 0.60])
PRODUCTS = np.array(
    ["mobile", "broadband", "fixed_voice", "leased_line", "cloud_idc", "iot", "ict_solution"]
)
INDUSTRIES = np.array(
    [
        "government",
        "public_security",
        "education",
        "finance",
        "manufacturing",
        "retail",
        "logistics",
        "healthcare",
        "it_services",
        "hospitality",
    ]
)
IND_P = np.array([0.08, 0.03, 0.07, 0.12, 0.22, 0.16, 0.10, 0.07, 0.09, 0.06])
ARCHETYPES = np.array(
    ["product_optimiser", "service_first", "over_consumer", "basic_assurance", "follower"]
)
COMPETITORS = np.array(["China Mobile", "China Unicom", "China Broadnet"])

# -- Chinese names (``names="zh"``) --------------------------------------------------------
#: the sample's cities in Chinese
BRANCH_ZH = {
    "Beijing": "北京",
    "Hangzhou": "杭州",
    "Suzhou": "苏州",
    "Kunming": "昆明",
    "Hanzhong": "汉中",
}
_COMPETITOR_ZH = {
    "China Mobile": "中国移动",
    "China Unicom": "中国联通",
    "China Broadnet": "中国广电",
}
# the trade name (字号) of a company: two of these characters
_ZIHAO = list(
    "恒达华信宏盛泰鑫瑞丰通鼎嘉诚博远兴隆安和正德汇源新创金辉永昌明宇天众联合康利祥顺聚荣"
    "海峰凯润光晟伟捷启腾亿豪佳裕锦茂振东方益同春中南宁"
)
# how an organisation of each industry is named: {c} the city, {z} the trade name
_ORG_PATTERNS = {
    "government": ["{c}市{z}街道办事处", "{c}市{z}区政务服务中心"],
    "public_security": ["{c}市公安局{z}派出所", "{c}市{z}交通警察大队"],
    "education": ["{c}{z}实验学校", "{c}{z}职业技术学院", "{c}市{z}中学"],
    "finance": ["{c}{z}投资管理有限公司", "{c}{z}融资租赁有限公司", "{c}{z}保险代理有限公司"],
    "manufacturing": [
        "{c}{z}精密机械有限公司",
        "{c}{z}电子科技有限公司",
        "{c}{z}纺织有限公司",
        "{c}{z}新材料股份有限公司",
    ],
    "retail": ["{c}{z}商贸有限公司", "{c}{z}超市连锁有限公司", "{c}{z}百货有限公司"],
    "logistics": ["{c}{z}物流有限公司", "{c}{z}供应链管理有限公司", "{c}{z}快运有限公司"],
    "healthcare": ["{c}{z}医院", "{c}{z}医药有限公司", "{c}{z}口腔诊所"],
    "it_services": ["{c}{z}信息技术有限公司", "{c}{z}软件有限公司", "{c}{z}网络科技有限公司"],
    "hospitality": ["{c}{z}酒店管理有限公司", "{c}{z}餐饮管理有限公司", "{c}{z}大酒店"],
}
# the commonest surnames, most frequent first, and characters of given names
_SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
_GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国文辉鹏宇浩婷雪琳晨欣怡子轩梓涵佳俊峰鑫倩颖思萍春海燕斌凯亮志"
)

# Product mix by archetype (business and key accounts) and for residential customers.
_MIX = {
    "product_optimiser": [0.25, 0.08, 0.04, 0.18, 0.20, 0.10, 0.15],
    "service_first": [0.40, 0.15, 0.10, 0.20, 0.05, 0.05, 0.05],
    "over_consumer": [0.60, 0.15, 0.05, 0.08, 0.05, 0.05, 0.02],
    "basic_assurance": [0.55, 0.20, 0.25, 0.00, 0.00, 0.00, 0.00],
    "follower": [0.45, 0.20, 0.10, 0.12, 0.06, 0.04, 0.03],
    "residential": [0.70, 0.28, 0.02, 0.00, 0.00, 0.00, 0.00],
}
# Voluntary churn causes by customer type: mass market led by price, key accounts by
# offering, relationship and change of decision-maker (domain brief, section 3).
_CAUSES = {
    "residential": {
        "price": 0.30,
        "competitor_price": 0.28,
        "service": 0.12,
        "offering": 0.06,
        "price_sensitivity": 0.09,
        "trial": 0.05,
        "moved_or_closed": 0.06,
        "herd": 0.01,
        "unknown": 0.03,
    },
    "business": {
        "price": 0.18,
        "competitor_price": 0.20,
        "service": 0.15,
        "offering": 0.14,
        "competitor_offering": 0.09,
        "relationship": 0.06,
        "staff_turnover": 0.04,
        "price_sensitivity": 0.06,
        "moved_or_closed": 0.06,
        "decision_maker": 0.02,
    },
    "key_account": {
        "offering": 0.24,
        "relationship": 0.17,
        "decision_maker": 0.16,
        "competitor_offering": 0.13,
        "staff_turnover": 0.10,
        "service": 0.08,
        "herd": 0.04,
        "competitor_promise": 0.03,
        "price": 0.03,
        "competitor_price": 0.02,
    },
}


#: shares of the hard cases of real exports (of all accounts, unless said otherwise)
HARD_CASES = {
    "left_before_window": 0.02,  # churned in the year before the billing months
    "no_join_date": 0.02,  # long-standing accounts whose join date the export lost
    "credit_note_lines": 0.004,  # of billing lines of accounts billed 3+ months
    "blank_satisfaction": 0.08,  # no survey answer
    "blank_industry": 0.03,  # of business and key accounts
    "blank_contract": 0.02,
    "blank_account_manager": 0.03,  # of business and key accounts
    "noisy_groups": 0.15,  # of the active groups outside the planted episodes
    "weak_episodes": 0.3,  # of the planted episodes that end in churn
}


_COMPETITOR_CAUSES = [
    "competitor_price",
    "competitor_offering",
    "competitor_promise",
    "herd",
    "trial",
]


@dataclass(frozen=True)
class SampleOperator:
    """A generated operator: the ``book`` and the ``truth`` planted in it.

    ``truth`` lists the planted group-churn episodes (account_id, start month, whether the
    group had left by the end of the year, whether its signals were ``weak``) and the
    active groups given signals by noise (``episode`` False), for measuring how well
    warnings find them;
    ``archetypes`` gives the needs archetype behind each business and key account.
    """

    book: Book
    truth: pd.DataFrame
    archetypes: pd.Series


def _pick(rng: np.random.Generator, options, p, size) -> np.ndarray:
    return np.asarray(options)[rng.choice(len(options), size=size, p=np.asarray(p) / np.sum(p))]


def synth(
    n_accounts: int = 2000,
    *,
    seed: int = 7,
    year: int = 2025,
    branches: dict[str, float] | None = None,
    names: str = "en",
) -> SampleOperator:
    """Generate a sample operator, deterministic from ``seed``.

    Parameters
    ----------
    n_accounts
        Number of accounts across all branches.
    seed
        Seed of the random generator: the same seed gives the same operator.
    year
        The calendar year of the 12 billing months; ``as_of`` is its last day.
    branches
        Branch names and their share of accounts (default: the five cities).
    names
        ``"en"`` (default) or ``"zh"``: the names of branches, accounts, account managers,
        competitors and the operator in Chinese. Only the names differ: the numbers are
        those of ``names="en"`` with the same seed.

    Examples
    --------
    >>> import kamlib
    >>> op = kamlib.synth(300, seed=1)
    >>> len(op.book.accounts)
    300
    >>> zh = kamlib.synth(300, seed=1, names="zh")
    >>> zh.book.branches
    ['北京', '昆明', '杭州', '汉中', '苏州']
    >>> zh.book.accounts["churn_date"].equals(op.book.accounts["churn_date"])
    True
    """
    if names not in ("en", "zh"):
        raise ValueError(f"names must be 'en' or 'zh', not {names!r}")
    rng = np.random.default_rng(seed)
    weights = branches or BRANCH_WEIGHTS
    n = int(n_accounts)
    months = pd.date_range(f"{year}-01-01", periods=12, freq="MS")
    start, as_of = months[0], pd.Timestamp(f"{year}-12-31")
    m_start = months.to_numpy()
    m_end = (months + pd.offsets.MonthEnd(0)).to_numpy()

    # --- who they are -------------------------------------------------------------
    branch = _pick(rng, list(weights), list(weights.values()), n)
    ctype = _pick(rng, TYPES, TYPE_P, n)
    is_key, is_bus, is_res = (ctype == t for t in TYPES)
    industry = np.where(is_res, None, _pick(rng, INDUSTRIES, IND_P, n)).astype(object)
    fortune500 = (
        is_key
        & (rng.random(n) < 0.12)
        & np.isin(industry, ["finance", "manufacturing", "it_services"])
    )
    important = is_key & (
        np.isin(industry, ["government", "public_security", "education"]) | fortune500
    )
    arche = np.where(is_res, "residential", _pick(rng, ARCHETYPES, [0.18, 0.2, 0.17, 0.25, 0.2], n))

    # Monthly spend (CNY). Lognormal per type; key accounts have the heavy tail that
    # fills the upper value tiers.
    mu = np.select([is_key, is_bus], [np.log(4500), np.log(1500)], np.log(190))
    sigma = np.select([is_key, is_bus], [1.15, 0.85], 0.6)
    base = np.exp(rng.normal(mu, sigma))
    base *= np.select(
        [arche == "over_consumer", arche == "basic_assurance", arche == "product_optimiser"],
        [1.5, 0.6, 1.3],
        1.0,
    )
    lines = np.maximum(
        1,
        np.round(
            np.select(
                [is_key, is_bus],
                [base / rng.uniform(60, 160, n), base / rng.uniform(80, 200, n)],
                rng.integers(1, 4, n),
            )
        ),
    ).astype(int)
    lines = np.where(arche == "over_consumer", np.maximum(1, lines // 2), lines)

    tenure_years = np.where(rng.random(n) < 0.1, rng.uniform(0, 1, n), rng.gamma(2.0, 2.5, n))
    join = as_of - pd.to_timedelta(np.round(tenure_years * 365.25), unit="D")
    join = join.normalize()
    contract = np.select(
        [is_key, is_bus],
        [
            _pick(rng, ["one_year", "two_year", "multi_year"], [0.3, 0.4, 0.3], n),
            _pick(rng, ["monthly", "one_year", "two_year"], [0.3, 0.45, 0.25], n),
        ],
        _pick(rng, ["monthly", "one_year", "two_year"], [0.55, 0.3, 0.15], n),
    )
    clen = (
        pd.Series(contract)
        .map({"monthly": 0, "one_year": 12, "two_year": 24, "multi_year": 36})
        .to_numpy()
    )
    # the current contract: renewed in whole terms from join until it runs past `start`
    elapsed = np.maximum(0, (start - join).days.to_numpy() / 30.44)
    terms = np.where(clen > 0, np.floor(elapsed / np.maximum(clen, 1)) + 1, 0)
    end_months = (terms * clen).astype(int)
    join_m64 = join.to_numpy().astype("datetime64[M]")
    day_in_month = join.to_numpy().astype("datetime64[D]") - join_m64.astype("datetime64[D]")
    contract_end = np.where(
        clen > 0,
        (join_m64 + end_months).astype("datetime64[D]") + day_in_month,
        np.datetime64("NaT"),
    ).astype("datetime64[ns]")
    satisfaction = np.clip(
        np.round(rng.normal(3.7, 0.9, n) - (arche == "service_first") * 0.4), 1, 5
    )

    # --- churn during the year -------------------------------------------------------
    annual = np.select([is_key, is_bus], [0.06, 0.11], 0.17)
    annual = annual * np.where(
        contract == "monthly", 1.7, np.where(contract == "one_year", 1.0, 0.55)
    )
    annual = annual * np.where(satisfaction <= 2, 2.2, np.where(satisfaction >= 5, 0.6, 1.0))
    annual = annual * np.where(tenure_years < 1.5, 1.5, 1.0)
    annual = annual * np.where(important, 0.6, 1.0)
    first_day = np.maximum(join.to_numpy(), start.to_datetime64())
    span = (as_of.to_datetime64() - first_day).astype("timedelta64[D]").astype(int)
    churned = rng.random(n) < np.clip(annual, 0, 0.9)
    churn_date = first_day + (rng.random(n) * np.maximum(span, 1)).astype("timedelta64[D]")
    involuntary = churned & (rng.random(n) < np.select([is_key, is_bus], [0.02, 0.08], 0.15))

    # internal migration: stays active, moves to a cheaper package
    migrated = ~churned & (rng.random(n) < 0.06)
    mig_date = first_day + (rng.random(n) * np.maximum(span, 1)).astype("timedelta64[D]")

    # --- group-churn episodes (planted) -------------------------------------------
    groups = is_key & (lines >= 40)
    ep_idx = []
    for b in weights:  # a few episodes per branch: a loop over branches, not accounts
        # old customers, so the signals have a baseline to rise from
        cand = np.flatnonzero(groups & (branch == b) & ~involuntary & (tenure_years > 3))
        # at least three; on big operators a share of the groups, so the planted episodes
        # keep their weight against the noisy groups at any size
        k = min(len(cand), max(3, int(0.06 * (groups & (branch == b)).sum())))
        if k:
            ep_idx.extend(rng.choice(cand, size=k, replace=False).tolist())
    ep_idx = np.array(sorted(ep_idx), dtype=int)
    ep_start = rng.integers(5, 9, len(ep_idx))  # month index the signals start rising
    ep_leaves = rng.random(len(ep_idx)) < 0.5
    # episodes that end in churn leave 3-4 months after the signals start; the others are
    # still active at year end (live warnings)
    churned[ep_idx] = ep_leaves
    involuntary[ep_idx] = False
    migrated[ep_idx] = False
    leave_m = np.minimum(ep_start + rng.integers(3, 5, len(ep_idx)), 11)
    churn_date[ep_idx] = (
        months[leave_m] + pd.to_timedelta(rng.integers(0, 27, len(ep_idx)), unit="D")
    ).to_numpy()
    join_np = join.to_numpy().astype("datetime64[ns]")

    # causes
    cause = np.full(n, None, dtype=object)
    for t in TYPES:
        m = churned & ~involuntary & (ctype == t)
        c = _CAUSES[t]
        cause[m] = _pick(rng, list(c), list(c.values()), int(m.sum()))
    cause[involuntary] = _pick(rng, ["non_payment", "fraud"], [0.85, 0.15], int(involuntary.sum()))
    leavers = ep_idx[ep_leaves]
    cause[leavers] = _pick(
        rng,
        ["competitor_offering", "herd", "decision_maker", "competitor_price"],
        [0.4, 0.25, 0.2, 0.15],
        len(leavers),
    )
    ctype_churn = np.where(
        churned,
        np.where(involuntary, "involuntary", "voluntary"),
        np.where(migrated, "migration", None),
    ).astype(object)
    competitor = np.full(n, None, dtype=object)
    comp = churned & pd.Series(cause).isin(_COMPETITOR_CAUSES).to_numpy()
    competitor[comp] = _pick(rng, COMPETITORS, [0.5, 0.4, 0.1], int(comp.sum()))

    # --- retention contacts: the leaky funnel ----------------------------------------
    warned = (churned & ~involuntary & (rng.random(n) < 0.45)) | (~churned & (rng.random(n) < 0.05))
    wi = np.flatnonzero(warned)
    w_date = np.where(
        churned[wi],
        churn_date[wi].astype("datetime64[ns]") - np.timedelta64(45, "D"),
        m_start[rng.integers(2, 12, len(wi))],
    ).astype("datetime64[ns]")
    w_date = np.maximum(w_date, np.maximum(join_np[wi], m_start[0]))
    reached = rng.random(len(wi)) < np.where(ctype[wi] == "key_account", 0.7, 0.18)
    intent = reached & (rng.random(len(wi)) < 0.8)
    retained = intent & (rng.random(len(wi)) < np.where(ctype[wi] == "key_account", 0.35, 0.08))
    # a retained account stays: undo its churn
    saved = wi[retained & churned[wi]]
    churned[saved] = False
    involuntary[saved] = False
    cause[saved] = None
    competitor[saved] = None
    ctype_churn[saved] = None
    contacts = pd.DataFrame(
        {
            "account_id": _ids(wi),
            "warning_date": w_date,
            "reached": reached,
            "intent_to_leave": intent,
            "retained": retained,
        }
    )

    # --- hard cases of real exports: a second stream, so the draws above stay put ------
    hard = np.random.default_rng([seed, 15])
    in_episode = np.zeros(n, dtype=bool)
    in_episode[ep_idx] = True
    # accounts that left in the year before the window: no billing, outside every rate
    gone = (
        (hard.random(n) < HARD_CASES["left_before_window"])
        & ~in_episode
        & ~warned  # no retention contact in the window
        & (tenure_years > 1.2)
    )
    g_first = np.maximum(join_np[gone], (start - pd.Timedelta(days=365)).to_datetime64())
    g_span = (start.to_datetime64() - g_first).astype("timedelta64[D]").astype(int)
    churn_date[gone] = g_first + (hard.random(int(gone.sum())) * np.maximum(g_span - 1, 1)).astype(
        "timedelta64[D]"
    )
    churned[gone] = True
    migrated[gone] = False
    gone_vol = gone & ~involuntary
    for t in TYPES:
        m = gone_vol & (ctype == t)
        c = _CAUSES[t]
        cause[m] = _pick(hard, list(c), list(c.values()), int(m.sum()))
    ctype_churn[gone] = np.where(involuntary[gone], "involuntary", "voluntary")
    competitor[gone] = None
    comp = gone & pd.Series(cause).isin(_COMPETITOR_CAUSES).to_numpy()
    competitor[comp] = _pick(hard, COMPETITORS, [0.5, 0.4, 0.1], int(comp.sum()))
    # joiners of the year: the hazard of an established account of their kind (the early-
    # tenure uplift taken out), over their months at risk only: of the joiners drawn to
    # leave with the whole year's chance p, those kept leave with 1 - (1 - p0) ** years
    joiner = churned & ~in_episode & (join_np >= start.to_datetime64())
    p_year = np.clip(annual, 0, 0.9)
    p_est = np.clip(annual / np.where(tenure_years < 1.5, 1.5, 1.0), 0, 0.9)
    years = np.minimum(np.maximum(span + 1, 1) / 365.25, 1)
    keep = (1 - (1 - p_est) ** years) / np.maximum(p_year, 1e-9)
    thin = joiner & (hard.random(n) >= keep)
    churned[thin] = False
    cause[thin] = None
    competitor[thin] = None
    ctype_churn[thin] = None
    # long-standing accounts whose join date the export lost (not the joiners of the year)
    no_join = (hard.random(n) < HARD_CASES["no_join_date"]) & (tenure_years > 2) & ~in_episode
    # group signals that overlap the noise: active groups whose forwarding rises (a site
    # moved, a project with another operator) or whose bill falls (a project ended) for
    # reasons of their own, by as much as the planted episodes; and leaving groups whose
    # signals are weak, under the warning thresholds
    noisy = np.flatnonzero(
        groups & ~in_episode & ~churned & (hard.random(n) < HARD_CASES["noisy_groups"])
    )
    noisy_start = hard.integers(5, 9, len(noisy))
    # one cause moves both signals (lines moved to a site served by another operator):
    # per month since the start, up to about the planted episodes' pace
    noisy_pace = hard.uniform(0.3, 1.3, len(noisy))
    noisy_fwd = noisy_pace * hard.uniform(0.02, 0.045, len(noisy))
    noisy_fall = noisy_pace * hard.uniform(0.06, 0.16, len(noisy))
    weak = ep_leaves & (hard.random(len(ep_idx)) < HARD_CASES["weak_episodes"])
    weak_scale = hard.uniform(0.1, 0.5, len(ep_idx))

    # --- billing: account x month x product -----------------------------------------
    mix = np.array([_MIX[a] for a in arche])
    held = (mix > 0) & (rng.random(mix.shape) < np.where(mix >= 0.15, 0.97, 0.75))
    held[np.arange(n), mix.argmax(axis=1)] = True
    share = mix * held * rng.uniform(0.7, 1.3, mix.shape)
    share = share / share.sum(axis=1, keepdims=True)
    cdate = churn_date.astype("datetime64[ns]")
    alive = (join_np[:, None] <= m_end[None, :]) & (
        ~churned[:, None] | (cdate[:, None] >= m_start[None, :])
    )
    trend = np.where(
        arche == "over_consumer", 0.012, np.where(arche == "basic_assurance", -0.004, 0.002)
    )
    factor = np.exp(trend[:, None] * np.arange(12)[None, :] + rng.normal(0, 0.06, (n, 12)))
    mig = migrated[:, None] & (mig_date.astype("datetime64[ns]")[:, None] <= m_start[None, :])
    factor = factor * np.where(mig, rng.uniform(0.55, 0.8, n)[:, None], 1.0)
    # planted episodes: the group bill falls as lines move to a competitor
    ep_fall = np.ones((n, 12))
    for i, s0 in zip(ep_idx, ep_start, strict=True):  # a dozen planted groups
        steps = np.clip(np.arange(12) - s0 + 1, 0, None)
        ep_fall[i] = np.maximum(0.25, 1 - steps * rng.uniform(0.12, 0.2))
    # weak episodes: the fall is a fraction of the planted one
    ep_fall[ep_idx[weak]] = 1 - (1 - ep_fall[ep_idx[weak]]) * weak_scale[weak, None]
    steps = np.clip(np.arange(12)[None, :] - noisy_start[:, None] + 1, 0, 4)
    ep_fall[noisy] = 1 - steps * noisy_fall[:, None]
    factor = factor * ep_fall
    rev = base[:, None, None] * share[:, None, :] * factor[:, :, None] * alive[:, :, None]
    ai, mi, pi = np.nonzero(rev > 0)
    billing = pd.DataFrame(
        {
            "account_id": _ids(ai),
            "month": months[mi],
            "product": PRODUCTS[pi],
            "revenue": np.round(rev[ai, mi, pi], 2),
        }
    )
    month_rev = rev.sum(axis=2)
    # credit notes: a few lines of accounts billed 3+ months are credits (a refund of a
    # billing error, a goodwill credit) of up to that line's charge, so the account's total
    # stays positive: its other months of the product outweigh one credit
    billed_months = alive.sum(axis=1)
    credit = (hard.random(len(billing)) < HARD_CASES["credit_note_lines"]) & (
        billed_months[ai] >= 3
    )
    billing.loc[credit, "revenue"] = -np.round(
        rev[ai[credit], mi[credit], pi[credit]] * hard.uniform(0.2, 1.0, int(credit.sum())), 2
    )

    # --- cost drivers ---------------------------------------------------------------
    shape = (n, 12)
    svc = np.select([arche == "service_first"], [3.0], 1.0)
    lam_t = (
        np.select([is_key, is_bus], [1.2, 0.35], 0.06) * svc * np.where(satisfaction <= 2, 1.8, 1.0)
    )
    tickets = rng.poisson(lam_t[:, None] * np.ones(shape)) * alive
    visits = (
        rng.poisson((np.select([is_key, is_bus], [0.5, 0.04], 0.0) * svc)[:, None] * np.ones(shape))
        * alive
    )
    am_base = np.select(
        [is_key, is_bus], [np.clip(2 + 8 * np.log10(base / 5000 + 1), 2, 40), 0.4], 0.0
    )
    am_hours = (
        np.round(
            am_base[:, None]
            * rng.uniform(0.6, 1.4, shape)
            * np.where(important, 1.4, 1.0)[:, None],
            1,
        )
        * alive
    )
    # cost heaviness: some accounts are simply expensive to serve (long leased lines,
    # remote sites, heavy discounting) - this is what makes the whale curve's tail
    heavy = np.exp(rng.normal(0, 0.3, n)) * np.where(
        rng.random(n) < 0.27, rng.uniform(3.2, 4.4, n), 1.0
    )
    net_ratio = np.select([is_key, is_bus], [0.24, 0.32], 0.38) * heavy
    network = np.round(month_rev * net_ratio[:, None], 2)
    disc_rate = np.select(
        [is_key, is_bus],
        [rng.uniform(0.05, 0.22, n), rng.uniform(0.03, 0.18, n)],
        rng.uniform(0.0, 0.1, n),
    )
    disc_rate = (
        disc_rate * np.where(arche == "basic_assurance", 1.5, 1.0) * np.where(heavy > 1.5, 1.4, 1.0)
    )
    discounts = np.round(month_rev * disc_rate[:, None], 2)
    join_m = np.clip(
        ((join_np - m_start[0]).astype("timedelta64[D]").astype(int) // 30.44).astype(int), -1, 11
    )
    new = join_m >= 0
    subs_amt = np.select(
        [is_res, is_bus],
        [rng.uniform(600, 2500, n), rng.uniform(1000, 6000, n)],
        rng.uniform(5000, 40000, n),
    )
    subsidies = np.zeros(shape)
    renew = rng.random(n) < 0.15  # handset renewals for existing customers
    renew_m = rng.integers(0, 12, n)
    subsidies[np.flatnonzero(new), join_m[new]] = subs_amt[new]
    subsidies[np.flatnonzero(renew & ~new), renew_m[renew & ~new]] += subs_amt[renew & ~new] * 0.6
    subsidies *= alive
    acq = np.zeros(shape)
    acq[np.flatnonzero(new), join_m[new]] = np.select([is_key, is_bus], [8000, 1200], 250)[new]
    bad = np.zeros(shape)
    debtors = involuntary | (rng.random(n) < 0.02)
    last_m = np.where(alive.any(axis=1), 11 - np.argmax(alive[:, ::-1], axis=1), 0)
    bad[np.flatnonzero(debtors), last_m[debtors]] = month_rev[debtors].max(axis=1) * rng.uniform(
        1, 4, int(debtors.sum())
    )
    costs = pd.DataFrame(
        {
            "account_id": _ids(np.repeat(np.arange(n), 12)),
            "month": np.tile(months, n),
            "service_tickets": tickets.ravel(),
            "field_visits": visits.ravel(),
            "am_hours": am_hours.ravel(),
            "network": network.ravel(),
            "discounts": discounts.ravel(),
            "subsidies": np.round(subsidies, 2).ravel(),
            "bad_debt": np.round(bad, 2).ravel(),
            "acquisition_retention": acq.ravel(),
        }
    )
    costs = costs.loc[alive.ravel()].reset_index(drop=True)

    # --- usage signals -------------------------------------------------------------
    calls = np.round(lines[:, None] * rng.uniform(20, 40, shape)) * alive
    fwd_share = np.clip(rng.normal(0.02, 0.008, shape), 0, None)
    for i, s0 in zip(ep_idx, ep_start, strict=True):
        steps = np.clip(np.arange(12) - s0 + 1, 0, None)
        fwd_share[i] = 0.02 + steps * rng.uniform(0.03, 0.05)
    base_fwd = fwd_share[ep_idx[weak]].min(axis=1, keepdims=True)
    fwd_share[ep_idx[weak]] = (
        base_fwd + (fwd_share[ep_idx[weak]] - base_fwd) * weak_scale[weak, None]
    )
    steps = np.clip(np.arange(12)[None, :] - noisy_start[:, None] + 1, 0, 4)
    fwd_share[noisy] += steps * noisy_fwd[:, None]
    complaints = rng.binomial(tickets.astype(int), 0.45)
    group_bill = np.round(month_rev * np.where(is_res, 0.0, rng.uniform(0.7, 0.95, n))[:, None], 2)
    usage = pd.DataFrame(
        {
            "account_id": _ids(np.repeat(np.arange(n), 12)),
            "month": np.tile(months, n),
            "lines": np.repeat(lines, 12),
            "calls": calls.ravel(),
            "forwarded_calls": np.round(calls * fwd_share).ravel(),
            "group_bill": group_bill.ravel(),
            "complaints": complaints.ravel(),
        }
    )
    usage = usage.loc[alive.ravel()].reset_index(drop=True)

    am_no = rng.integers(1, 9, n)  # each branch's eight account managers
    if names == "zh":
        # names only: a stream of their own, so no draw above or below moves
        names_out, am = _zh_names(
            np.random.default_rng([seed, 86]), branch, industry, is_res, am_no, list(weights)
        )
    else:
        names_out = np.where(
            is_res,
            pd.Series(_ids(np.arange(n))).radd("Household ").to_numpy(),
            pd.Series(branch)
            .str.cat(
                [
                    pd.Series(industry).fillna("").str.replace("_", " ").str.title(),
                    pd.Series(_ids(np.arange(n))).str[-4:],
                ],
                sep=" ",
            )
            .to_numpy()
            + " Co.",
        )
        am = np.where(
            is_res,
            None,
            pd.Series(branch).str[:3].str.upper().radd("AM-").to_numpy()
            + "-"
            + pd.Series(am_no).astype(str).str.zfill(2).to_numpy(),
        ).astype(object)
    parent = np.full(n, None, dtype=object)

    # blanks in optional columns, at the rates of real exports; the behaviour above was
    # drawn from the true values, only the export lost them
    def blank(values: np.ndarray, share: float, among: np.ndarray | None = None) -> np.ndarray:
        lost = hard.random(n) < share
        if among is not None:
            lost &= among
        return np.where(lost, None, values.astype(object))

    if names == "zh":
        branch_out = pd.Series(branch).map(lambda b: BRANCH_ZH.get(b, b)).to_numpy()
        competitor_out = pd.Series(competitor).map(_COMPETITOR_ZH).to_numpy(dtype=object)
    else:
        branch_out, competitor_out = branch, competitor
    satisfaction_out = blank(satisfaction, HARD_CASES["blank_satisfaction"]).astype(float)
    industry_out = blank(industry, HARD_CASES["blank_industry"], ~is_res)
    no_contract = hard.random(n) < HARD_CASES["blank_contract"]
    am = blank(am, HARD_CASES["blank_account_manager"], ~is_res)
    join_out = pd.to_datetime(join_np).normalize().where(~no_join)

    accounts = pd.DataFrame(
        {
            "account_id": _ids(np.arange(n)),
            "name": names_out,
            "branch": branch_out,
            "customer_type": ctype,
            "industry": industry_out,
            "important": important,
            "parent_id": parent,
            "account_manager": am,
            "join_date": join_out,
            "contract": np.where(no_contract, None, contract.astype(object)),
            "contract_end": np.where(no_contract, np.datetime64("NaT"), contract_end),
            "status": np.where(churned, "churned", "active"),
            "churn_date": pd.to_datetime(
                np.where(
                    churned,
                    cdate,
                    np.where(ctype_churn == "migration", mig_date, np.datetime64("NaT")),
                )
            ).normalize(),
            "churn_type": ctype_churn,
            "churn_cause": np.where(churned, cause, None),
            "competitor": competitor_out,
            "satisfaction": satisfaction_out,
        }
    )
    assignments, contracts_t = _key_account_tables(
        np.random.default_rng([seed, 16]),
        np.random.default_rng([seed, 17]),
        np.random.default_rng([seed, 16, 1]),
        branch=branch,
        ctype=ctype,
        am=am,
        join=join_np,
        churned=churned,
        churn_date=cdate,
        cause=cause,
        base=base,
        contract=np.where(no_contract, None, contract.astype(object)),
        contract_end=contract_end,
        months=months,
        as_of=as_of,
        zh=names == "zh",
    )
    # service tickets and surveys: two streams of their own, drawn last, so no table above
    # moves; consistent with the cost and usage counts and the churn already drawn
    tickets_t, surveys_t = service_tables(
        np.random.default_rng([seed, 18]),
        np.random.default_rng([seed, 19]),
        ids=_ids(np.arange(n)),
        ctype=ctype,
        join=join_np,
        churned=churned,
        churn_date=cdate,
        cause=cause,
        satisfaction=satisfaction,
        alive=alive,
        tickets=tickets,
        complaints=complaints,
        billed=(ai, mi, pi),
        products=PRODUCTS,
        months=months,
        as_of=as_of,
    )
    shown = np.concatenate([ep_idx, noisy])
    truth = pd.DataFrame(
        {
            "account_id": _ids(shown),
            "branch": branch_out[shown],
            "start_month": months[np.concatenate([ep_start, noisy_start])],
            "left": churned[shown],
            "episode": np.arange(len(shown)) < len(ep_idx),
            "weak": np.concatenate([weak, np.zeros(len(noisy), dtype=bool)]),
        }
    )
    book = build_book(
        {
            "accounts": accounts,
            "billing": billing,
            "costs": costs,
            "usage": usage,
            "contacts": contacts,
            "assignments": assignments,
            "contracts": contracts_t,
            "tickets": tickets_t,
            "surveys": surveys_t,
        },
        name="示例运营商" if names == "zh" else "Sample operator",
        currency="CNY",
        as_of=as_of,
        # billing above is the list price before discounts; the discounts are the costs
        # table's driver: the sample's revenue is gross, so discounts are a cost
        revenue_basis="gross",
        source=f"kamlib.synth(n_accounts={n}, seed={seed}, year={year}"
        + (f", names={names!r})" if names != "en" else ")"),
    )
    arche_s = pd.Series(np.where(is_res, None, arche), index=_ids(np.arange(n)), name="archetype")
    return SampleOperator(book=book, truth=truth, archetypes=arche_s.dropna())


#: the planted departures: how many branches lose an account manager in the year, how many
#: accounts each portfolio holds (low, high) and how many of them leave within
#: ``_AFTER_DEPARTURE_MONTHS`` of the departure (the domain brief: "an account manager who
#: leaves takes key accounts along"); the churn itself is the accounts table's, the
#: generator only chooses whose portfolio it was
_DEPARTURE_BRANCHES = 3
_PORTFOLIO = (16, 26)  # accounts, low and high (exclusive)
_LEAVE_WITH = (3, 5)  # of them leave within the months after, low and high
_AFTER_DEPARTURE_MONTHS = 6  # as key_accounts.yaml managers.after_departure_months
_REASSIGNED = 0.15  # of managed accounts with over a year's tenure: an earlier manager
_CONTRACT_RECORDED = 0.88  # of key accounts' contracts (business: half of that)
_OVER_INVESTED = 0.12  # of recorded contracts: investment near or above the revenue
#: the domain brief's worked example of a key-account contract over three years
_EXAMPLE_CONTRACT = {"investment": 585_500.0, "expected_revenue": 686_400.0}
#: causes of churn that follow a relationship: the departed managers' leavers are chosen
#: from these first
_RELATIONSHIP_CAUSES = ("relationship", "decision_maker", "staff_turnover", "competitor_offering")


def _key_account_tables(
    rng: np.random.Generator,
    crng: np.random.Generator,
    nrng: np.random.Generator,
    *,
    branch: np.ndarray,
    ctype: np.ndarray,
    am: np.ndarray,
    join: np.ndarray,
    churned: np.ndarray,
    churn_date: np.ndarray,
    cause: np.ndarray,
    base: np.ndarray,
    contract: np.ndarray,
    contract_end: np.ndarray,
    months: pd.DatetimeIndex,
    as_of: pd.Timestamp,
    zh: bool,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The account-manager history and the key-account contracts, from streams of their
    own (``rng``, ``crng``; ``nrng`` for the Chinese names of former managers, so both editions
    have the same history) so no table drawn before them moves.

    Assignments: every managed account (business or key account with a manager) has its
    current manager's assignment last, open while the account is active and ending on the
    churn date (reason ``account_left``) where it left; some had a manager before
    (``reassigned``). In a few branches a former manager (a name not among today's
    managers) left during the year (``manager_left``); the portfolio handed over on that
    day is chosen so that several of its accounts leave within six months.

    Contracts: key accounts' and some business accounts' current contracts (the accounts
    table's ``contract`` and ``contract_end``), with the operator's investment and the
    revenue promised over the term; some are over-invested and cannot pay back, some are
    not recorded. One key account on a three-year contract carries the domain brief's
    example (585,500 invested against 686,400 of revenue).
    """
    n = len(branch)
    day = np.timedelta64(1, "D")
    managed = (ctype != "residential") & pd.notna(am)
    end_w = as_of.to_datetime64()
    end_life = np.where(churned, churn_date, np.datetime64("NaT")).astype("datetime64[ns]")
    after = np.timedelta64(int(round(_AFTER_DEPARTURE_MONTHS * 30.44)), "D")

    # --- the departures: a former manager, a day, a portfolio --------------------------
    rows: list[dict] = []
    taken = np.zeros(n, dtype=bool)
    handed_on = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    names_now = {str(x) for x in am[pd.notna(am)]}
    branches = sorted(set(branch.tolist()))
    k = min(_DEPARTURE_BRANCHES, len(branches))
    hit: list[str] = list(rng.choice(branches, size=k, replace=False)) if k else []
    for b in sorted(hit):
        d = months[int(rng.integers(2, 6))] + pd.Timedelta(days=int(rng.integers(0, 27)))
        d64 = d.to_datetime64()
        alive = managed & (branch == b) & (join < d64) & (~churned | (churn_date > d64))
        leave = alive & churned & (churn_date <= d64 + after)
        lo, hi = _LEAVE_WITH
        cand = np.flatnonzero(leave)
        w = np.where(pd.Series(cause[cand]).isin(_RELATIONSHIP_CAUSES).to_numpy(), 4.0, 1.0)
        k_out = min(len(cand), int(rng.integers(lo, hi + 1)))
        out: np.ndarray = (
            rng.choice(cand, size=k_out, replace=False, p=w / w.sum()) if k_out else cand[:0]
        )
        size = int(rng.integers(_PORTFOLIO[0], _PORTFOLIO[1]))
        stay = np.flatnonzero(alive & ~leave)
        # a key-account manager's book is mostly key accounts
        ws = np.where(ctype[stay] == "key_account", 3.0, 1.0)
        k_in = min(len(stay), max(size - k_out, 0))
        kept: np.ndarray = (
            rng.choice(stay, size=k_in, replace=False, p=ws / ws.sum()) if k_in else stay[:0]
        )
        portfolio = np.concatenate([np.asarray(out, dtype=int), np.asarray(kept, dtype=int)])
        if not len(portfolio):
            continue
        former = _former_manager(nrng, b, names_now, zh)
        names_now.add(former)
        for i in portfolio:
            # the former manager had the account from up to three years before
            since = max(join[i], d64 - np.timedelta64(int(rng.integers(200, 1100)), "D"))
            rows.append(
                {
                    "account_id": i,
                    "account_manager": former,
                    "start": since,
                    "end": d64 - day,
                    "reason": "manager_left",
                }
            )
        taken[portfolio] = True
        handed_on[portfolio] = d64

    # --- reassignments: an earlier manager of the same branch --------------------------
    first_day = np.maximum(join, np.datetime64("1990-01-01"))
    last_day = np.where(np.isnat(end_life), end_w, end_life)
    room = (last_day - first_day).astype("timedelta64[D]").astype(int)
    moved = managed & ~taken & (room > 400) & (rng.random(n) < _REASSIGNED)
    # in order of first appearance, the same in both editions (sorted names would not be)
    staff = {b: list(pd.unique(am[managed & (branch == b)])) for b in branches}
    for i in np.flatnonzero(moved):
        others = [m for m in staff[branch[i]] if m != am[i]]
        if not others:
            continue
        switch = first_day[i] + np.timedelta64(int(180 + rng.random() * (room[i] - 210)), "D")
        rows.append(
            {
                "account_id": i,
                "account_manager": others[int(rng.integers(0, len(others)))],
                "start": first_day[i],
                "end": switch - day,
                "reason": "reassigned",
            }
        )
        handed_on[i] = switch

    # --- the current manager's assignment, last ----------------------------------------
    cur = np.flatnonzero(managed)
    since = np.where(np.isnat(handed_on[cur]), first_day[cur], handed_on[cur])
    current = pd.DataFrame(
        {
            "account_id": cur,
            "account_manager": am[cur],
            "start": since,
            "end": end_life[cur],
            "reason": np.where(churned[cur], "account_left", None),
        }
    )
    assignments = pd.concat([pd.DataFrame(rows), current], ignore_index=True)
    # accounts that left before their last manager took over keep only the earlier rows
    assignments = assignments[
        assignments["end"].isna() | (assignments["end"] >= assignments["start"])
    ]
    assignments = assignments.sort_values(["account_id", "start"], kind="stable")
    assignments["account_id"] = _ids(assignments["account_id"].to_numpy())
    assignments["start"] = pd.to_datetime(assignments["start"]).dt.normalize()
    assignments["end"] = pd.to_datetime(assignments["end"]).dt.normalize()
    assignments = assignments.reset_index(drop=True)

    # --- contracts ------------------------------------------------------------------
    term = pd.Series(contract).map({"one_year": 12, "two_year": 24, "multi_year": 36})
    term = term.fillna(0).to_numpy().astype(int)
    p_rec = np.select([ctype == "key_account", ctype == "business"], [1.0, 0.5], 0.0)
    rec = (term > 0) & ~np.isnat(contract_end) & (crng.random(n) < p_rec * _CONTRACT_RECORDED)
    idx = np.flatnonzero(rec)
    end_c = contract_end[idx].astype("datetime64[D]")
    end_m = end_c.astype("datetime64[M]")
    start_c = (end_m - term[idx]).astype("datetime64[D]") + (end_c - end_m.astype("datetime64[D]"))
    expected = np.round(base[idx] * term[idx] * crng.uniform(0.9, 1.1, len(idx)), -2)
    over = crng.random(len(idx)) < _OVER_INVESTED
    invest = np.round(
        expected
        * np.where(over, crng.uniform(0.75, 1.05, len(idx)), crng.uniform(0.15, 0.45, len(idx))),
        -2,
    )
    # the brief's example on the active three-year key account whose bill is nearest it
    fit = (ctype[idx] == "key_account") & (term[idx] == 36) & ~churned[idx]
    if fit.any():
        target = _EXAMPLE_CONTRACT["expected_revenue"] / 36
        at = np.flatnonzero(fit)[np.argmin(np.abs(base[idx][fit] - target))]
        expected[at] = _EXAMPLE_CONTRACT["expected_revenue"]
        invest[at] = _EXAMPLE_CONTRACT["investment"]
    contracts = pd.DataFrame(
        {
            "account_id": _ids(idx),
            "start": pd.to_datetime(start_c),
            "end": pd.to_datetime(end_c),
            "investment": invest,
            "expected_revenue": expected,
        }
    )
    return assignments, contracts


def _former_manager(rng: np.random.Generator, branch: str, taken: set[str], zh: bool) -> str:
    """A name for an account manager who has left: the branch's pattern, none of today's."""
    if not zh:
        for no in range(9, 99):
            name = f"AM-{branch[:3].upper()}-{no:02d}"
            if name not in taken:
                return name
    while True:
        name = str(_person_names(rng, 1)[0])
        if name not in taken:
            return name


def _zh_names(
    rng: np.random.Generator,
    branch: np.ndarray,
    industry: np.ndarray,
    is_res: np.ndarray,
    am_no: np.ndarray,
    branches: list[str],
) -> tuple[np.ndarray, np.ndarray]:
    """Chinese account names and account managers: organisations named city + trade name
    + what they do ("苏州恒达物流有限公司"), unique within the operator; residential
    customers by personal name (as real exports have them, namesakes included); each
    branch's eight account managers by name, no two alike in the operator."""
    n = len(branch)
    city = pd.Series(branch).map(lambda b: BRANCH_ZH.get(b, b)).to_numpy()
    org = np.flatnonzero(~is_res)
    pattern = np.empty(len(org), dtype=object)
    for ind, patterns in _ORG_PATTERNS.items():
        at = industry[org] == ind
        pattern[at] = np.asarray(patterns, dtype=object)[rng.integers(0, len(patterns), at.sum())]
    zihao = np.char.add(
        np.asarray(_ZIHAO)[rng.integers(0, len(_ZIHAO), len(org))],
        np.asarray(_ZIHAO)[rng.integers(0, len(_ZIHAO), len(org))],
    )
    org_names = pd.Series(
        [p.format(c=c, z=z) for p, c, z in zip(pattern, city[org], zihao, strict=True)]
    )
    # a namesake gets a new trade name; a few rounds settle all but huge operators, where a
    # namesake is left (real registers have them too)
    for _ in range(20):
        dup = np.flatnonzero(org_names.duplicated().to_numpy())
        if not len(dup):
            break
        z = np.char.add(
            np.asarray(_ZIHAO)[rng.integers(0, len(_ZIHAO), len(dup))],
            np.asarray(_ZIHAO)[rng.integers(0, len(_ZIHAO), len(dup))],
        )
        org_names.iloc[dup] = [
            p.format(c=c, z=zz) for p, c, zz in zip(pattern[dup], city[org][dup], z, strict=True)
        ]
    names = np.empty(n, dtype=object)
    names[org] = org_names.to_numpy()
    names[is_res] = _person_names(rng, int(is_res.sum()))
    # account managers: 8 per branch, all different
    k = 8 * len(branches)
    pool: list[str] = []
    while len(pool) < k:
        pool = list(dict.fromkeys(pool + list(_person_names(rng, 2 * k))))
    staff = {b: pool[8 * i : 8 * i + 8] for i, b in enumerate(branches)}
    am = np.empty(n, dtype=object)
    for b, people in staff.items():
        at = (branch == b) & ~is_res
        am[at] = np.asarray(people, dtype=object)[am_no[at] - 1]
    return names, am


def _person_names(rng: np.random.Generator, size: int) -> np.ndarray:
    """Chinese personal names: a surname (the common ones more often) and one or two
    given-name characters."""
    weight = 1 / np.arange(1, len(_SURNAMES) + 1) ** 0.7
    surname = np.asarray(_SURNAMES)[rng.choice(len(_SURNAMES), size, p=weight / weight.sum())]
    first = np.asarray(_GIVEN)[rng.integers(0, len(_GIVEN), size)]
    second = np.where(
        rng.random(size) < 0.7, np.asarray(_GIVEN)[rng.integers(0, len(_GIVEN), size)], ""
    )
    return np.char.add(np.char.add(surname, first), second).astype(object)


def write_sample(
    sample: SampleOperator | Book, folder: str | Path, *, encoding: str = "utf-8"
) -> list[Path]:
    """Write a sample operator as canonical CSV tables in ``encoding``.

    ``encoding="gbk"`` gives the export of a Chinese system: the same tables, the text in
    GBK (which :func:`kamlib.load` reads as GB18030). ``operator.yaml`` stays UTF-8: it is
    kamlib's own file, not the export's.

    Examples
    --------
    >>> import tempfile, kamlib
    >>> from kamlib.synth import write_sample
    >>> op = kamlib.synth(200, seed=1, names="zh")
    >>> folder = write_sample(op, tempfile.mkdtemp(), encoding="gbk")[0].parent
    >>> kamlib.load(folder).branches == op.book.branches
    True
    """
    from ._io import write_book

    book = sample.book if isinstance(sample, SampleOperator) else sample
    written = write_book(book, folder)
    if encoding.replace("-", "").replace("_", "").lower() not in ("utf8", "utf8sig"):
        for path in written:
            # strict: a name the encoding cannot hold is an error, not a "?" in the export
            path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))
    elif encoding.lower().replace("_", "-") == "utf-8-sig":
        for path in written:
            path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    return written


def write_synth(
    folder: str | Path,
    n_accounts: int,
    *,
    seed: int = 7,
    branches: dict[str, float] | None = None,
    names: str = "en",
    chunk: int = 200_000,
) -> list[Path]:
    """Generate a large operator straight to CSV, ``chunk`` accounts at a time.

    :func:`synth` holds the whole operator in memory (about 13 GB at a million accounts
    here). This writes it in parts: each branch's accounts (``branches``: name -> share,
    default the five cities) are generated ``chunk`` at a time, each part by
    :func:`synth` for that branch alone with a seed drawn from ``seed`` and the part's
    number, its ids (accounts, parents, tickets) renumbered to follow the previous
    part's, and appended to the tables. Peak memory is one part's. The result is a
    valid operator of ``n_accounts`` accounts, deterministic from ``seed``, but not the
    operator ``synth(n_accounts, seed=seed)`` gives (other draws).

    Examples
    --------
    >>> import tempfile, kamlib
    >>> from kamlib.synth import write_synth
    >>> folder = write_synth(tempfile.mkdtemp(), 600, chunk=100)[0].parent
    >>> b = kamlib.load(folder)
    >>> len(b.accounts), b.accounts["account_id"].is_unique
    (600, True)
    """
    from ._io import write_book

    if chunk < 1:
        raise ValueError(f"chunk must be at least 1 account, not {chunk}")
    weights = branches or BRANCH_WEIGHTS
    n = int(n_accounts)
    # accounts per branch by largest remainder: the shares, summing to n exactly
    raw = np.array(list(weights.values()), dtype=float)
    raw = raw / raw.sum() * n
    per = np.floor(raw).astype(int)
    per[np.argsort(-(raw - per), kind="stable")[: n - per.sum()]] += 1
    width = max(7, len(str(max(n - 1, 0))))
    accounts = tickets = part = 0
    written: list[Path] = []
    for name, size in zip(weights, per, strict=True):
        for start in range(0, int(size), chunk):
            k = min(chunk, int(size) - start)
            part_seed = int(np.random.SeedSequence([seed, part]).generate_state(1)[0])
            book = synth(k, seed=part_seed, branches={name: 1.0}, names=names).book
            book = _renumbered(book, accounts, tickets, width)
            written = write_book(book, folder, append=part > 0)
            accounts += k
            if isinstance(book.tickets, pd.DataFrame):
                tickets += len(book.tickets)
            part += 1
    return written


def _renumbered(book: Book, accounts: int, tickets: int, width: int) -> Book:
    """``book`` with its account ids "A0000012" moved on by ``accounts`` (parents and
    the household names that quote them too) and its ticket ids by ``tickets``."""
    from dataclasses import replace

    def moved(values: pd.Series, prefix: str, by: int) -> pd.Series:
        v = values.astype("string")
        num = pd.to_numeric(v.str[len(prefix) :], errors="coerce") + by
        out = prefix + num.astype("Int64").astype("string").str.zfill(width)
        return out.where(v.notna(), values).astype(values.dtype)

    changed: dict[str, Any] = {}
    for table in ("accounts", "billing", "costs", "usage", "contacts", "assignments",
                  "contracts", "tickets", "surveys"):  # fmt: skip
        df = getattr(book, table, None)
        if not isinstance(df, pd.DataFrame):
            continue
        df = df.copy()
        for col in ("account_id", "parent_id"):
            if col in df:
                df[col] = moved(df[col], "A", accounts)
        if table == "tickets" and "ticket_id" in df:
            df["ticket_id"] = moved(df["ticket_id"], "T", tickets)
        if table == "accounts" and "name" in df:
            household = df["name"].astype("string").str.startswith("Household A", na=False)
            df.loc[household, "name"] = "Household " + df.loc[household, "account_id"]
        changed[table] = df
    return replace(book, **changed)


def _ids(i: np.ndarray) -> np.ndarray:
    i = np.asarray(i)
    if not i.size:  # numpy's zfill cannot size an empty array
        return np.array([], dtype="<U8")
    return np.char.add("A", np.char.zfill(i.astype(str), 7))
