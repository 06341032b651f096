"""Needs-based segments: k-means on standardised usage and needs features, named after
the five archetypes of the domain brief.

The method of the brief (McKinsey's "new segmentation criteria"): take the business and
key accounts, describe each by what it buys and how it uses the operator, cluster, check
that segments are alike inside and distinct from each other, and name each after the
archetype it resembles. Every choice below is in ``config/segments.yaml: needs``.

Features (those the data has; see :data:`FEATURES`) are standardised *within customer
type* (z-scores per type), so that segments group accounts by needs, not by size: a key
account and a business that both lean on service land together. Missing values take
their type's median, and z-scores are clipped to +-``z_clip`` (3 by default).

Segments are fitted on the accounts the branch still has whole; churned and migrating
accounts (whose revenue trend is their leaving) then take the nearest segment on the other features, so
churn per segment can still be read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._book import Book
from ._charts import wrap
from ._errors import ConfigError
from ._format import count, number
from ._i18n import N_, ntr, tr
from ._labels import label
from ._result import Result, axes, figures, nothing_to_draw
from ._schema import NEEDS_FEATURES as FEATURES
from ._settings import local_name, settings
from ._stats import names_list
from .segment import per_account_mean

#: how well a segment matches its archetype (the ``fit`` column) in words
_FIT = {
    "clear": N_("clear"),
    "fair": N_("fair"),
    "ambiguous": N_("ambiguous"),
    "weak": N_("weak structure"),
}

__all__ = [
    "FEATURES",
    "NeedsSegments",
    "adjusted_rand",
    "k_scores",
    "needs_features",
    "silhouette_samples",
]


#: The needs features and what each measures.
def needs_features(book: Book, *, rules: str | Path | dict | None = None) -> pd.DataFrame:
    """The raw needs features of every business and key account (index: account_id).

    Only features the data can give are returned; ``attrs["customer_type"]`` holds each
    account's type for the within-type standardisation.
    """
    r = settings("segments", rules, caller="needs_features")["needs"]
    acc = book.accounts.set_index("account_id")
    if "customer_type" not in acc or acc["customer_type"].isna().all():
        raise ConfigError(
            "needs-based segments need accounts.customer_type (see kamlib.customer_types "
            "to infer it) to pick the business and key accounts"
        )
    keep = acc["customer_type"].isin(["business", "key_account"])
    ids = acc.index[keep]
    f = pd.DataFrame(index=ids)
    if book.has("billing"):
        ap = book.account_products()
        assert ap is not None
        ap = ap[ap["account_id"].isin(ids)]
        by_prod = ap.pivot(index="account_id", columns="product", values="revenue")
        by_prod = by_prod.fillna(0.0).reindex(ids)
        total = by_prod.sum(axis=1)
        f["products_held"] = (by_prod > 0).sum(axis=1).where(total > 0)
        adv = [p for p in r["advanced_products"] if p in by_prod.columns]
        f["advanced_share"] = (by_prod[adv].sum(axis=1) / total).where(total > 0)
    spend = book.monthly_revenue()
    if spend is not None and book.has("usage") and "lines" in book.table("usage"):
        lines = per_account_mean(book, "usage", "lines").reindex(ids)
        per_line = spend.reindex(ids) / lines.where(lines > 0)
        f["spend_per_line"] = np.log(per_line.where(per_line > 0))
    if book.has("costs"):
        c = book.table("costs")
        cols = [x for x in ("service_tickets", "field_visits") if x in c]
        if cols:
            f["service_demand"] = c.groupby("account_id")[cols].mean().sum(axis=1).reindex(ids)
        if "discounts" in c and book.has("billing"):
            disc = c.groupby("account_id")["discounts"].sum().reindex(ids)
            rev = book.period_revenue()
            assert rev is not None
            rev = rev.reindex(ids)
            f["discount_rate"] = (disc / rev.where(rev > 0)).clip(upper=1.0)
    if "satisfaction" in acc:
        f["satisfaction"] = acc.loc[ids, "satisfaction"].astype(float)
    trend = book.revenue_trend()
    if trend is not None:
        f["revenue_trend"] = trend.reindex(ids)
    f = f.loc[:, f.notna().any()]
    f.attrs["customer_type"] = acc.loc[ids, "customer_type"].astype(str)
    return f


def _standardise(f: pd.DataFrame, types: pd.Series, clip: float) -> pd.DataFrame:
    """z-scores within customer type, clipped to +-``clip`` so a few extreme accounts (a
    collapsing bill, a one-off discount) cannot form a segment of their own; missing
    values take their type's median."""
    g = f.groupby(types)
    med = g.transform("median")
    filled = f.fillna(med)
    mu = filled.groupby(types).transform("mean")
    sd = filled.groupby(types).transform("std").replace(0, np.nan)
    return ((filled - mu) / sd).fillna(0.0).clip(-clip, clip)


def silhouette_samples(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Silhouette of each point: (b - a) / max(a, b), Euclidean; 0 for a lone point.

    ``a`` is the mean distance to the other members of its segment, ``b`` the lowest
    mean distance to the members of another segment. O(n^2) memory: call on a sample.
    """
    from scipy.spatial.distance import cdist

    d = cdist(x, x)
    labs = np.unique(labels)
    onehot = labels[:, None] == labs[None, :]
    sums = d @ onehot  # n x k: total distance to each segment
    sizes = onehot.sum(axis=0)
    own = onehot.argmax(axis=1)
    own_size = sizes[own]
    a = sums[np.arange(len(x)), own] / np.maximum(own_size - 1, 1)
    mean_other = sums / sizes[None, :]
    mean_other[np.arange(len(x)), own] = np.inf
    b = mean_other.min(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = (b - a) / np.maximum(a, b)
    s[own_size == 1] = 0.0
    return np.nan_to_num(s)


def adjusted_rand(a: np.ndarray, b: np.ndarray) -> float:
    """Adjusted Rand index of two labellings of the same points (1 identical, about 0 by
    chance), from the contingency table: (index - expected) / (max - expected).

    Examples
    --------
    >>> import numpy as np
    >>> adjusted_rand(np.array([0, 0, 1, 1]), np.array([1, 1, 0, 0]))
    1.0
    """
    _, ai = np.unique(a, return_inverse=True)
    _, bi = np.unique(b, return_inverse=True)
    table = np.zeros((ai.max() + 1, bi.max() + 1))
    np.add.at(table, (ai, bi), 1)

    def pairs(v: np.ndarray) -> float:
        return float((v * (v - 1) / 2).sum())

    index = pairs(table)
    rows, cols, total = (
        pairs(table.sum(axis=1)),
        pairs(table.sum(axis=0)),
        pairs(np.array([len(a)])),
    )
    expected = rows * cols / total if total else 0.0
    most = (rows + cols) / 2
    return 1.0 if most == expected else (index - expected) / (most - expected)


def k_scores(
    x: np.ndarray,
    ks: range,
    *,
    seed: int,
    n_init: int,
    sample: int,
    resamples: int,
    share: float,
) -> tuple[pd.DataFrame, dict[int, tuple[np.ndarray, np.ndarray]]]:
    """For each k: the silhouette of the k-means fit, the noise in it and the stability of
    the segments over random subsets, and the silhouette of the same data with each
    feature shuffled on its own (what k-means finds where there is no structure).

    Returns one row per k (``silhouette``, ``silhouette_sd``, ``stability``,
    ``baseline_silhouette``, ``within_ss``) and the full fits ``{k: (centers, labels)}``.
    """
    from scipy.spatial.distance import cdist

    m = len(x)
    rng = np.random.default_rng([seed, 0])
    scored = np.sort(rng.choice(m, size=min(m, sample), replace=False))
    shuffled = np.column_stack([rng.permutation(col) for col in x.T])
    rows, fits = [], {}
    for k in ks:
        if k >= m:
            break
        inertia, centers, lab = _kmeans(x, k, np.random.default_rng([seed, k]), n_init)
        sil = float(silhouette_samples(x[scored], lab[scored]).mean())
        sub_rng = np.random.default_rng([seed, k, 1])
        size = max(k + 1, int(share * m))
        aris, sils = [], []
        for _ in range(resamples):
            idx = np.sort(sub_rng.choice(m, size=size, replace=False))
            try:
                _, c_b, lab_b = _kmeans(x[idx], k, sub_rng, max(1, n_init // 3))
            except ConfigError:  # an empty segment in a subset: as unstable as it gets
                aris.append(0.0)
                continue
            aris.append(adjusted_rand(lab, cdist(x, c_b).argmin(axis=1)))
            part = idx[: min(len(idx), sample)]
            sils.append(
                float(silhouette_samples(x[part], cdist(x[part], c_b).argmin(axis=1)).mean())
            )
        _, _, lab_s = _kmeans(shuffled, k, np.random.default_rng([seed, k, 2]), max(1, n_init // 3))
        base = float(silhouette_samples(shuffled[scored], lab_s[scored]).mean())
        rows.append(
            {
                "k": k,
                "silhouette": sil,
                "silhouette_sd": float(np.std(sils, ddof=1)) if len(sils) > 1 else np.nan,
                "stability": float(np.mean(aris)),
                "baseline_silhouette": base,
                "within_ss": inertia,
            }
        )
        fits[k] = (centers, lab)
    return pd.DataFrame(rows).set_index("k") if rows else pd.DataFrame(), fits


def _nearest(x: np.ndarray, centers: np.ndarray, chunk: int = 500_000) -> np.ndarray:
    """Index of the nearest centre of each row of ``x`` (in chunks: the distances of
    millions of rows to every centre at once would hold several hundred MB)."""
    from scipy.spatial.distance import cdist

    out = np.empty(len(x), dtype=int)
    for i in range(0, len(x), chunk):
        out[i : i + chunk] = cdist(x[i : i + chunk], centers).argmin(axis=1)
    return out


def _kmeans(x: np.ndarray, k: int, rng: np.random.Generator, n_init: int):
    """Best of ``n_init`` k-means++ runs by within-segment sum of squares."""
    from scipy.cluster.vq import kmeans2

    best = None
    for _ in range(n_init):
        seed = int(rng.integers(0, 2**31 - 1))
        centers, lab = kmeans2(x, k, minit="++", seed=seed)
        if len(np.unique(lab)) < k:  # an empty segment: not a k-segment solution
            continue
        inertia = float(((x - centers[lab]) ** 2).sum())
        if best is None or inertia < best[0]:
            best = (inertia, centers, lab)
    if best is None:
        raise ConfigError(f"k-means could not form {k} non-empty segments")
    return best


@dataclass(repr=False, eq=False)
class NeedsSegments(Result):
    """Needs-based segmentation of business and key accounts.

    ``fit(book)`` returns the fitted object; results are in the attributes ending in
    ``_``; ``table``, ``notes``, ``summary()`` and ``plot()`` follow the result contract.
    See the module docstring for the method.

    Parameters
    ----------
    k
        Number of segments; None chooses, in ``needs.k_range``, the smallest k whose mean
        silhouette is within the noise (its spread over random subsets) of the best one's
        (scores in ``k_scores_``). ``structure_`` is "weak" below ``min_silhouette`` or
        ``min_stability``: segments are then numbered, not named after archetypes.
    seed
        Seed of the sampling and of k-means: the same data and seed give the same segments.
    rules
        Overrides of ``config/segments.yaml`` (dict or YAML path).

    Examples
    --------
    >>> import kamlib
    >>> ns = kamlib.NeedsSegments(seed=0).fit(kamlib.load(kamlib.sample_path()))
    >>> ns.k_ in range(3, 9)
    True
    """

    k: int | None = None
    seed: int = 0
    rules: str | Path | dict | None = None
    features_: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    z_: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    labels_: pd.Series = field(default_factory=lambda: pd.Series(dtype=object), repr=False)
    k_: int = 0
    k_scores_: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    centers_: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    naming_: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    quality_: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    notes_: list[str] = field(default_factory=list, repr=False)
    structure_: str = "none"

    def fit(self, book: Book, *, features: pd.DataFrame | None = None) -> NeedsSegments:
        """Fit the segments of ``book``'s business and key accounts; returns self.

        ``features``: :func:`needs_features` of ``book`` when the caller has them already
        (fitting several k on one book, or a benchmark); computed otherwise.
        """
        r = settings("segments", self.rules, caller="NeedsSegments")["needs"]
        self.notes_ = []
        try:
            f = needs_features(book, rules=self.rules) if features is None else features
        except ConfigError:  # no customer types: said in notes_, not an exception
            self.notes_.append(
                tr(
                    "Needs-based segments need each account's customer type, to pick the "
                    "business and key accounts; the data have none."
                )
            )
            self.labels_ = pd.Series(dtype="object", name="needs_segment")
            return self
        self.features_ = f
        n = len(f)
        if n < r["min_accounts"] or f.shape[1] < 2:
            self.notes_.append(
                ntr(
                    "needs-based segments need at least {min} business and key accounts and "
                    "two needs features; this data has {n} accounts and {k} feature "
                    "({features})",
                    "needs-based segments need at least {min} business and key accounts and "
                    "two needs features; this data has {n} accounts and {k} features "
                    "({features})",
                    f.shape[1],
                    min=count(r["min_accounts"]),
                    n=count(n),
                    k=count(f.shape[1]),
                    features=names_list([label(c) for c in f.columns]) or tr("none"),
                )
            )
            self.labels_ = pd.Series(pd.NA, index=f.index, dtype="object", name="needs_segment")
            return self
        missing = sorted(set(FEATURES) - set(f.columns))
        if missing:
            self.notes_.append(
                tr(
                    "features not in the data: {features}",
                    features=names_list([label(c) for c in missing]),
                )
            )
        # Fit on the accounts the branch still has: a churned account's collapsing bill
        # is its leaving, not a need, and would otherwise form a "segment" of its own.
        acc = book.accounts.set_index("account_id").reindex(f.index)
        status = acc["status"]
        leaving = status == "churned"
        if "churn_type" in acc:  # partial churn (migration to a cheaper plan) counts too
            leaving |= acc["churn_type"].notna()
        fitted = (~leaving).to_numpy()
        if fitted.sum() < r["min_accounts"]:
            fitted = np.ones(n, dtype=bool)
        elif not fitted.all():
            left = int((~fitted).sum())
            self.notes_.append(
                ntr(
                    "{n} churned or migrating account was left out of the clustering and given "
                    "the segment nearest to it on every feature but the revenue trend (its "
                    "leaving drives it)",
                    "{n} churned or migrating accounts were left out of the clustering and "
                    "given the segment nearest to them on every feature but the revenue trend "
                    "(their leaving drives it)",
                    left,
                    n=count(left),
                )
            )
        z = _standardise(f, f.attrs["customer_type"], float(r["z_clip"]))
        self.z_ = z
        x_all = z.to_numpy()
        x = x_all[fitted]
        m = len(x)
        rng = np.random.default_rng(self.seed)
        sample = np.sort(rng.choice(m, size=min(m, int(r["sample"])), replace=False))
        lo, hi = (self.k, self.k) if self.k else tuple(r["k_range"])
        # Above `fit_sample` accounts the choice of k and the segments are fitted on a
        # seeded random sample (some 40 k-means runs per k on millions of accounts would
        # take hours); every account then takes its nearest segment centre, as the
        # leaving accounts do (tests/test_segment.py compares a sample's segments with
        # those of the fit on every account).
        cap = int(r.get("fit_sample") or 0)
        x_fit = x
        if cap and m > cap:
            pick = np.random.default_rng([self.seed, 3]).choice(m, size=cap, replace=False)
            x_fit = x[np.sort(pick)]
            self.notes_.append(
                tr(
                    "the segments were fitted on a random sample of {n} of the {m} accounts "
                    "(setting needs.fit_sample); every account was then given the segment "
                    "whose centre is nearest",
                    n=count(cap),
                    m=count(m),
                )
            )
        scores, fits = k_scores(
            x_fit,
            range(int(lo), int(hi) + 1),
            seed=self.seed,
            n_init=int(r["n_init"]),
            sample=int(r["sample"]),
            resamples=int(r["resamples"]),
            share=float(r["resample_share"]),
        )
        if scores.empty:
            raise ConfigError(
                tr(
                    "needs-based segments: no k in {lo}-{hi} is below the {m} accounts to segment",
                    lo=lo,
                    hi=hi,
                    m=count(m),
                )
            )
        self.k_scores_ = scores
        # the smallest k whose silhouette is within the noise of the best one's
        best = scores["silhouette"].idxmax()
        noise = scores.loc[best, "silhouette_sd"]
        near = scores.index[
            scores["silhouette"] >= scores.loc[best, "silhouette"] - np.nan_to_num(noise)
        ]
        self.k_ = int(near.min())
        chosen = scores.loc[self.k_]
        self.structure_ = (
            "clear"
            if chosen["silhouette"] >= r["min_silhouette"]
            and chosen["stability"] >= r["min_stability"]
            else "weak"
        )
        if self.structure_ == "weak":
            self.notes_.append(
                tr(
                    "the segments are weakly separated (silhouette {silhouette}, {baseline} on "
                    "shuffled data; stability {stability}, 1 = the same segments on every "
                    "subset): they are numbered, not named after archetypes; the nearest "
                    "archetype is shown for orientation only",
                    silhouette=number(chosen["silhouette"], 2),
                    baseline=number(chosen["baseline_silhouette"], 2),
                    stability=number(chosen["stability"], 2),
                )
            )
        centers, lab = fits[self.k_]
        if x_fit is not x:
            lab = _nearest(x, centers)
        # order segments by size (largest first) so names and colours are stable
        order = np.argsort(-np.bincount(lab, minlength=self.k_), kind="stable")
        remap = np.empty_like(order)
        remap[order] = np.arange(self.k_)
        lab, centers = remap[lab], centers[order]
        self.naming_ = self._name(centers, list(z.columns), r["archetypes"])
        if self.structure_ == "weak":
            # numbered, in the report's language ("Segment 1", "细分群1")
            self.naming_["segment"] = [tr("Segment {n}", n=i + 1) for i in range(self.k_)]
            self.naming_["fit"] = tr(_FIT["weak"])
        names = self.naming_["segment"].to_numpy()
        from scipy.spatial.distance import cdist

        lab_all = np.empty(n, dtype=int)
        lab_all[fitted] = lab
        if not fitted.all():
            use = [i for i, c in enumerate(z.columns) if c != "revenue_trend"]
            lab_all[~fitted] = _nearest(x_all[~fitted][:, use], centers[:, use])
        self.labels_ = pd.Series(names[lab_all], index=f.index, name="needs_segment")
        self.centers_ = pd.DataFrame(
            centers, index=pd.Index(names, name="segment"), columns=z.columns
        )
        sil_pts = silhouette_samples(x[sample], lab[sample])
        within = np.sqrt(((x - centers[lab]) ** 2).sum(axis=1))
        cd = cdist(centers, centers)
        np.fill_diagonal(cd, np.inf)
        self.quality_ = pd.DataFrame(
            {
                "accounts": np.bincount(lab_all, minlength=self.k_),
                "churned": np.bincount(
                    lab_all[(status == "churned").to_numpy()], minlength=self.k_
                ),
                "silhouette": [
                    sil_pts[lab[sample] == i].mean() if (lab[sample] == i).any() else np.nan
                    for i in range(self.k_)
                ],
                "spread": [within[lab == i].mean() for i in range(self.k_)],
                "nearest_segment": names[cd.argmin(axis=1)],
                "distance_to_nearest": cd.min(axis=1),
            },
            index=pd.Index(names, name="segment"),
        )
        return self

    @staticmethod
    def _name(centers: np.ndarray, cols: list[str], archetypes: dict[str, Any]) -> pd.DataFrame:
        """Each segment takes the archetype whose ideal point is nearest.

        An archetype's ideal point is +1 SD on the features it is high on, -1 on those it
        is low on, 0 elsewhere (followers: the average account, all 0). Where k <= the
        number of archetypes each is used once (optimal assignment); above, the nearest
        with a number. Fit compares the distance to the archetype with the distance to
        the next nearest one: clear (<= 0.7), fair (<= 0.9), ambiguous.
        """
        from scipy.optimize import linear_sum_assignment

        usable = {
            a: spec
            for a, spec in archetypes.items()
            if not spec.get("profile") or any(c in cols for c in spec["profile"])
        }
        codes = list(usable)
        ideal = np.array(
            [[float(usable[a].get("profile", {}).get(c, 0)) for c in cols] for a in codes]
        )
        dist = np.sqrt(((centers[:, None, :] - ideal[None, :, :]) ** 2).sum(axis=2))
        k = len(centers)
        if k <= len(codes):
            rows, chosen = linear_sum_assignment(dist)
            pick = np.empty(k, dtype=int)
            pick[rows] = chosen
        else:
            pick = dist.argmin(axis=1)
        out = []
        seen: dict[str, int] = {}
        for i in range(k):
            a = codes[pick[i]]
            seen[a] = seen.get(a, 0) + 1
            others = np.delete(dist[i], pick[i])
            nxt = int(np.argmin(others)) if len(others) else -1
            nxt_code = [c for j, c in enumerate(codes) if j != pick[i]][nxt] if nxt >= 0 else None
            ratio = dist[i, pick[i]] / others[nxt] if nxt >= 0 and others[nxt] > 0 else np.nan
            fit = "clear" if ratio <= 0.7 else "fair" if ratio <= 0.9 else "ambiguous"
            # the segment's name in the report's language: one language per edition
            name = local_name(usable[a]) or a
            out.append(
                {
                    "segment": name if seen[a] == 1 else tr("{name} ({n})", name=name, n=seen[a]),
                    "archetype": a,
                    "distance": dist[i, pick[i]],
                    "next_archetype": nxt_code,
                    "next_distance": others[nxt] if nxt >= 0 else np.nan,
                    "fit": tr(_FIT[fit]),
                }
            )
        return pd.DataFrame(out)

    @property
    def table(self) -> pd.DataFrame:  # type: ignore[override]
        """Per segment: archetype, fit, size, silhouette, spread and nearest segment."""
        if self.naming_.empty:
            return pd.DataFrame()
        return self.naming_.set_index("segment").join(self.quality_)

    @property
    def notes(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(self.notes_)

    def summary(self) -> pd.DataFrame:
        """The number of segments, how it was chosen, and the mean silhouette."""
        t = self.table
        scores = self.k_scores_
        row = scores.loc[self.k_] if self.k_ in scores.index else None

        def score(name: str) -> float:
            return float(row[name]) if row is not None else np.nan

        return figures(
            {
                "segments": self.k_,
                "criterion": tr("smallest k within the noise of the best silhouette")
                if self.k is None
                else tr("given k"),
                "silhouette": score("silhouette"),
                "baseline_silhouette": score("baseline_silhouette"),
                "stability": score("stability"),
                "structure": self.structure_,
                "accounts": int(t["accounts"].sum()) if len(t) else 0,
            }
        )

    def plot(self, *, ax=None):
        """Heatmap of segment centres (z-scores within customer type); returns the Axes."""
        import seaborn as sns

        ax = axes(ax)
        if self.centers_.empty:
            return nothing_to_draw(
                ax, self.notes[0] if self.notes else tr("No needs-based segments.")
            )
        centres = self.centers_.rename(index=label, columns=lambda c: wrap(label(c), 14))
        sns.heatmap(
            centres,
            annot=True,
            fmt=".1f",
            cmap="RdBu_r",
            center=0,
            vmin=-2,
            vmax=2,
            ax=ax,
            cbar_kws={"label": tr("Above (red) or below (blue) the customer type's average")},
        )
        ax.tick_params(axis="y", rotation=0)
        for t in ax.get_xticklabels():  # long feature names: slanted, so they never overlap
            t.set_rotation(30)
            t.set_horizontalalignment("right")
        ax.set_xlabel(tr("Needs feature (standard deviations from the customer type's average)"))
        ax.set_ylabel(label("segment"))
        return ax
