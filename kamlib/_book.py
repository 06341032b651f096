"""The Book: one validated set of an operator's tables, taken by every analysis."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ._errors import ConfigError, DataError, Issue
from ._i18n import N_, tr
from ._schema import OPTIONAL_TABLES, REVENUE_BASES, TABLES
from ._validate import as_of_from, derive_accounts, validate_tables


def lookup(keys: pd.Series, values: pd.Series) -> pd.Series:
    """``keys.map(values)`` for account ids, fast on millions of accounts.

    ``values`` is indexed by account id. The result is aligned on ``keys`` (its index and
    order), with missing ids as NA. pandas' ``map`` turns Arrow strings into Python
    objects and hashes them (about 5 s for 5M accounts here); this compares the two id
    columns in Arrow first, which is the usual case (per-account results in the book's
    own order, 20 ms), and otherwise finds the positions with Arrow's hash lookup.

    Examples
    --------
    >>> import pandas as pd
    >>> lookup(pd.Series(["b", "x", "a"]), pd.Series([1, 2], index=["a", "b"])).tolist()
    [2.0, nan, 1.0]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        k = pa.array(keys, from_pandas=True)
        v = pa.array(values.index, from_pandas=True)
        if not (pa.types.is_string(k.type) or pa.types.is_large_string(k.type)):
            raise TypeError("not string ids")
        v = v.cast(k.type)
    except (pa.ArrowException, TypeError, ValueError):  # mixed or non-string ids
        return keys.map(values)
    if (
        len(k) == len(v)
        and not k.null_count
        and not v.null_count
        and pc.all(pc.equal(k, v)).as_py()
    ):
        taken = values.array  # the same ids in the same order
    else:
        if not values.index.is_unique:  # as map: an ambiguous lookup is an error
            return keys.map(values)
        pos = pc.index_in(k, value_set=v).fill_null(-1).to_numpy(zero_copy_only=False)
        taken = pd.api.extensions.take(values.array, pos, allow_fill=True)
    return pd.Series(taken, index=keys.index, name=values.name, copy=False)


def positions(col: pd.Series, keys: pd.Index) -> np.ndarray:
    """``keys.get_indexer(col)``: each row's position among the unique ``keys``, -1 where
    it is not among them.

    For string ids by Arrow's hash lookup: pandas turns Arrow strings into Python objects
    first (2.2 s against 0.3 s for the 15 million billing lines of a 400,000-account
    branch). Other dtypes, and keys that are not unique, go to ``get_indexer``.

    Examples
    --------
    >>> import pandas as pd
    >>> positions(pd.Series(["b", "x", None, "a"]), pd.Index(["a", "b"])).tolist()
    [1, -1, -1, 0]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    def text(t: Any) -> bool:
        return bool(pa.types.is_string(t) or pa.types.is_large_string(t))

    try:
        k = pa.array(col, from_pandas=True)
        v = pa.array(keys, from_pandas=True)
        if not (text(k.type) and text(v.type)) or not keys.is_unique:
            raise TypeError("not unique string ids")
        v = v.cast(k.type)
    except (pa.ArrowException, TypeError, ValueError):
        return keys.get_indexer(col)
    found = pc.index_in(k, value_set=v).fill_null(-1)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.intp)


def has_column(book: Book, column: str, *, caller: str) -> bool:
    """Whether the accounts table has ``column``: False for a column of the data model the
    data lack (the caller says so and goes on), a ConfigError for a name that is neither
    (a typo: it names the columns there are)."""
    if column in book.accounts:
        return True
    if column in {c.name for c in TABLES["accounts"].columns}:
        return False
    raise ConfigError(
        f"{caller}: the accounts table has no column {column!r}; "
        f"its columns: {', '.join(map(str, book.accounts.columns))}"
    )


def _nearest_branch(name: str, known: list[str]) -> str | None:
    """The branch ``name`` most likely means: the same name in another case or spacing,
    else the closest spelling; None when none is close."""
    import difflib

    def norm(x: str) -> str:
        return " ".join(str(x).split()).casefold()

    same = [k for k in known if norm(k) == norm(name)]
    if same:
        return same[0]
    folded = {norm(k): k for k in known}
    close = difflib.get_close_matches(norm(name), list(folded), n=1, cutoff=0.75)
    return folded[close[0]] if close else None


def unknown_branch(unknown: list[str], known: list[str]) -> DataError:
    """The error for branches the data do not have: the branch each one most likely
    means ('los angeles' -> 'Los Angeles'), else a few of the real ones.

    Examples
    --------
    >>> print(unknown_branch(["los angeles"], ["Fresno", "Los Angeles"]).issues[0].message)
    no branch named 'los angeles'; did you mean 'Los Angeles'?
    """
    guesses = {u: _nearest_branch(u, known) for u in unknown}
    if all(guesses.values()):
        said = "; ".join(f"no branch named {u!r}; did you mean {g!r}?" for u, g in guesses.items())
    else:
        shown = ", ".join(known[:20]) + (f" ... ({len(known)} in all)" if len(known) > 20 else "")
        meant = [f"{u!r} (did you mean {g!r}?)" for u, g in guesses.items() if g]
        said = (
            f"no branch named {', '.join(map(repr, unknown))}; "
            + (f"{', '.join(meant)}; " if meant else "")
            + f"the data has: {shown}"
        )
    return DataError([Issue("error", "accounts", "branch", "unknown-branch", said)])


#: where a book's revenue comes from, in the order :meth:`Book.revenue_source` tries them
REVENUE_SOURCES = (
    "billing",
    "accounts.total_revenue",
    "accounts.monthly_revenue",
    "accounts.lifetime_revenue",
)


@dataclass(frozen=True, eq=False)
class Book:
    """An operator's account data: ``accounts`` and the optional fact tables.

    Build one with :func:`kamlib.load` (files) or :meth:`Book.from_frames` (DataFrames);
    both coerce to the canonical types and validate, so every Book is usable by every
    analysis. Input frames are copied, never modified. Warnings found on the way are kept
    in ``notes`` and shown in each report's data-quality section.

    Examples
    --------
    >>> import pandas as pd, kamlib
    >>> acc = pd.DataFrame({"account_id": ["a", "b"], "branch": ["Suzhou"] * 2,
    ...                     "status": ["active", "churned"]})
    >>> book = kamlib.Book.from_frames(accounts=acc)
    >>> book.branches
    ['Suzhou']
    """

    accounts: pd.DataFrame
    billing: pd.DataFrame | None = None
    costs: pd.DataFrame | None = None
    usage: pd.DataFrame | None = None
    contacts: pd.DataFrame | None = None
    assignments: pd.DataFrame | None = None
    contracts: pd.DataFrame | None = None
    tickets: pd.DataFrame | None = None
    surveys: pd.DataFrame | None = None
    name: str = "operator"
    currency: str = "CNY"
    as_of: pd.Timestamp | None = None
    source: str | None = None
    notes: tuple[Issue, ...] = field(default=())
    #: the start of the observation (a mapping's ``observed_from``), for exports without
    #: billing months: survival analysis needs it to handle left truncation
    observed_from: pd.Timestamp | None = None
    #: whether billing revenue is "net" of discounts (the data model's default) or "gross"
    #: (before them): decides whether the costs table's discounts are subtracted again
    revenue_basis: str = "net"
    #: values the data do not hold but a mapping set (``derive`` rules, ``constants``):
    #: "table.column" -> the rule in words. They are assumptions, said as such in reports.
    assumed: dict[str, str] = field(default_factory=dict)
    #: columns a mapping computed from the export's columns (``compute:``): "table.column"
    #: -> the formula ("Day Charge + Eve Charge"). Data arithmetic, not an assumption; a
    #: report names the formula when it uses the column (which revenue it used).
    computed: dict[str, str] = field(default_factory=dict)
    #: the whole operator's totals when this book holds one branch (see ``for_branch``)
    operator: dict[str, Any] | None = None
    #: the whole operator's book when this one holds one branch (``for_branch``): the
    #: models that learn from every branch (the churn-risk watch list) are fitted on it
    whole: Book | None = field(default=None, repr=False, compare=False)
    #: the operator's churn-risk model (:class:`kamlib.ChurnRisk`, detached from its data)
    #: when a prepared operator is read one branch at a time (``kamlib.prepare``)
    churn_risk: Any = field(default=None, repr=False, compare=False)
    #: the operator's lifetime fits (kamlib.clv) when a prepared operator is read one
    #: branch at a time: the branch's accounts are valued with the operator's fit
    lifetimes: Any = field(default=None, repr=False, compare=False)
    #: per-account arrays derived from the tables (monthly revenue, the churn base...),
    #: computed once per book: on millions of accounts each costs a grouping or a pass
    #: over Arrow strings, and every analysis asked for them again. A Book never changes
    #: (frozen, its frames not modified), so what is derived from it does not either.
    _memo: dict[Any, Any] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def memo(self, key: Any, make: Any) -> Any:
        """``make()``, computed once per book and ``key`` (see ``_memo``). Callers must
        not modify what they get: hand out copies (``copy(deep=False)`` of a Series,
        read-only arrays)."""
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    @classmethod
    def from_frames(
        cls,
        *,
        accounts: pd.DataFrame,
        billing: pd.DataFrame | None = None,
        costs: pd.DataFrame | None = None,
        usage: pd.DataFrame | None = None,
        contacts: pd.DataFrame | None = None,
        assignments: pd.DataFrame | None = None,
        contracts: pd.DataFrame | None = None,
        tickets: pd.DataFrame | None = None,
        surveys: pd.DataFrame | None = None,
        name: str = "operator",
        currency: str = "CNY",
        as_of: str | pd.Timestamp | None = None,
        source: str | None = None,
        observed_from: str | pd.Timestamp | None = None,
        revenue_basis: str = "net",
        assumed: dict[str, str] | None = None,
        computed: dict[str, str] | None = None,
    ) -> Book:
        """Validate DataFrames into a Book; raises :class:`kamlib.DataError` on errors.

        ``observed_from``: the date observation began (see :meth:`observation_start`).
        ``revenue_basis``: "net" when billing revenue is after discounts (the data
        model's default), "gross" when it is before them. ``assumed``: columns whose
        values were set by a rule, not recorded ("table.column" -> the rule in words).
        """
        raw = {"accounts": accounts}
        raw.update(
            {
                k: v
                for k, v in (
                    ("billing", billing),
                    ("costs", costs),
                    ("usage", usage),
                    ("contacts", contacts),
                    ("assignments", assignments),
                    ("contracts", contracts),
                    ("tickets", tickets),
                    ("surveys", surveys),
                )
                if v is not None
            }
        )
        return build_book(
            raw,
            name=name,
            currency=currency,
            as_of=as_of,
            source=source,
            observed_from=observed_from,
            revenue_basis=revenue_basis,
            assumed=assumed,
            computed=computed,
        )

    # -- what is there ---------------------------------------------------------------
    @property
    def branches(self) -> list[str]:
        """The branch names, sorted."""
        return sorted(self.accounts["branch"].dropna().unique().tolist())

    def has(self, table: str) -> bool:
        """True when the optional ``table`` is present and has rows."""
        df = getattr(self, table, None)
        return isinstance(df, pd.DataFrame) and len(df) > 0

    def table(self, name: str) -> pd.DataFrame:
        """An optional table that an analysis needs; a clear DataError when it is absent."""
        df = getattr(self, name, None)
        if not isinstance(df, pd.DataFrame) or len(df) == 0:
            raise DataError(
                [
                    Issue(
                        "error",
                        name,
                        None,
                        "missing-table",
                        f"this needs the {name} table, which the data do not have",
                    )
                ]
            )
        return df

    def missing_tables(self) -> list[str]:
        return [t for t in OPTIONAL_TABLES if not self.has(t)]

    def fingerprint(self) -> str:
        """A digest of the data (every table's values, names and dtypes, and the book's
        settings): equal for two books holding the same data, whatever their objects.
        What remembers a model fitted on an operator (see
        :func:`kamlib.watchlist.operator_model`) keys on it.

        Examples
        --------
        >>> import kamlib
        >>> b = kamlib.load(kamlib.sample_path())
        >>> b.fingerprint() == kamlib.load(kamlib.sample_path()).fingerprint()
        True
        >>> b.fingerprint() == b.branch("Suzhou").fingerprint()
        False
        """
        import hashlib

        h = hashlib.sha256()
        for t in ("accounts", *OPTIONAL_TABLES):
            df = getattr(self, t, None)
            if not isinstance(df, pd.DataFrame):
                h.update(f"{t}:none;".encode())
                continue
            h.update(f"{t}:{list(df.columns)}:{[str(d) for d in df.dtypes]}:{len(df)};".encode())
            if len(df):
                h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
        h.update(
            repr(
                (
                    self.name,
                    self.currency,
                    self.as_of,
                    self.observed_from,
                    self.revenue_basis,
                    sorted(self.assumed.items()),
                    sorted(self.computed.items()),
                )
            ).encode()
        )
        return h.hexdigest()

    # -- slicing ---------------------------------------------------------------------
    def branch(self, name: str | list[str]) -> Book:
        """The same book restricted to one branch (or several).

        Raises DataError naming the known branches when ``name`` is not one of them.
        """
        names = [name] if isinstance(name, str) else list(name)
        unknown = [n for n in names if n not in set(self.branches)]
        if unknown:
            raise unknown_branch(unknown, self.branches)
        return self.select(self.accounts["branch"].isin(names).to_numpy())

    def totals(self) -> dict[str, Any]:
        """Accounts, revenue and churned accounts of the accounts in this book."""
        rev = self.period_revenue()
        return {
            "accounts": len(self.accounts),
            "revenue": None if rev is None else float(rev.sum()),
            "churned accounts": int((self.accounts["status"] == "churned").sum()),
        }

    def operator_totals(self) -> dict[str, Any]:
        """The whole operator's :meth:`totals`: remembered in ``operator`` when this book
        holds one branch (see :meth:`for_branch`), else this book's own."""
        return dict(self.operator) if self.operator is not None else self.totals()

    def for_branch(self, name: str, *, operator: dict[str, Any] | None = None) -> Book:
        """One branch, remembering the whole operator's figures in ``operator``: its
        :meth:`totals`, or ``operator`` when given (``kamlib.load`` adds the operator's
        KPIs, :func:`kamlib.decisions.operator_kpis`)."""
        return replace(
            self.branch(name),
            operator=operator or self.operator_totals(),
            whole=self.whole if self.whole is not None else self,
        )

    def select(self, mask: np.ndarray | pd.Series) -> Book:
        """The book restricted to the accounts where ``mask`` is true (fact tables follow).
        Every account kept: the book itself (a branch of a book read for that branch)."""
        keep = np.asarray(mask, dtype=bool)
        if keep.all():
            # the same data, and its memo too: a report asks for its branch of a book read
            # one branch at a time several times, and each was an isin over every table
            return self
        acc = self.accounts.loc[keep]
        found = id_matcher(acc["account_id"])
        tables: dict[str, Any] = {
            t: (df.loc[found(df["account_id"])] if isinstance(df, pd.DataFrame) else None)
            for t in OPTIONAL_TABLES
            for df in [getattr(self, t)]
        }
        return replace(self, accounts=acc, **tables)

    def masked(self, *, salt: str | None = None) -> Book:
        """The same book with account ids, names, parent ids and account managers replaced
        by stable pseudonyms (``--mask-pii``).

        A pseudonym is a hash of the value and ``salt`` (default: the environment variable
        ``KAMLIB_PII_SALT``, else none): the same account gets the same pseudonym in every
        report of a run and across runs with the same salt; set a secret salt so nobody can
        find an account by hashing ids they know. Examples in ``notes`` are masked alike.

        Examples
        --------
        >>> import pandas as pd, kamlib
        >>> acc = pd.DataFrame({"account_id": ["a"], "name": ["Acme Ltd"], "branch": ["X"],
        ...                     "status": ["active"]})
        >>> m = kamlib.Book.from_frames(accounts=acc).masked(salt="s")
        >>> m.accounts["account_id"].iloc[0].startswith("ACC-"), "Acme" in m.accounts["name"].iloc[0]
        (True, False)
        """
        import hashlib
        import os

        key = (os.environ.get("KAMLIB_PII_SALT", "") if salt is None else salt).encode()

        def pseudonyms(values: pd.Series, prefix: str) -> dict[Any, str]:
            def one(v: Any) -> str:
                return hashlib.sha256(key + b"\x00" + str(v).encode()).hexdigest()[:10]

            return {v: f"{prefix}-{one(v)}" for v in pd.unique(values.dropna())}

        acc = self.accounts.copy()
        ids = pseudonyms(acc["account_id"], "ACC")
        acc["account_id"] = acc["account_id"].map(ids)
        if "name" in acc:
            # a name a reader of the report's language can read ("Account 1a2b…", "客户1a2b…")
            acc["name"] = acc["account_id"].map(
                lambda i: tr("Account {code}", code=str(i).removeprefix("ACC-"))
            )
        for col, prefix in (("parent_id", "GRP"), ("account_manager", "AM")):
            if col in acc:
                acc[col] = acc[col].map(pseudonyms(acc[col], prefix))
        tables: dict[str, Any] = {}
        for t in OPTIONAL_TABLES:
            df = getattr(self, t)
            if isinstance(df, pd.DataFrame):
                df = df.copy()
                df["account_id"] = df["account_id"].map(ids).fillna("ACC-unknown")
                if "account_manager" in df:  # the history names managers too
                    df["account_manager"] = df["account_manager"].map(
                        pseudonyms(df["account_manager"], "AM")
                    )
            tables[t] = df
        notes = tuple(replace(n, rows=tuple(ids.get(r, r) for r in n.rows)) for n in self.notes)
        # the whole operator's book and model, if kept, are masked alike (the same
        # pseudonyms: they are hashes of the value and the salt)
        whole = self.whole.masked(salt=salt) if self.whole is not None else None
        risk = self.churn_risk
        if risk is not None:
            every = pd.concat(
                [risk.scores_["account_id"], risk.validation_scores_["account_id"]]
            ).dropna()
            new_ids = pseudonyms(every, "ACC")
            risk = risk.relabelled(
                new_ids,
                {
                    v: tr("Account {code}", code=str(v).removeprefix("ACC-"))
                    for v in new_ids.values()
                },
            )
        return replace(self, accounts=acc, notes=notes, whole=whole, churn_risk=risk, **tables)

    # -- derived per-account figures -----------------------------------------------
    def months(self) -> pd.DatetimeIndex:
        """The billing months covered, or empty without billing."""
        if not self.has("billing"):
            return pd.DatetimeIndex([])
        # memoised: a unique over every billing row, asked for by each account plan
        return self.memo(
            "months", lambda: pd.DatetimeIndex(sorted(self.table("billing")["month"].unique()))
        )

    def account_months(self) -> pd.DataFrame | None:
        """Billed revenue per account and month, or None without billing.

        One row per (``account_id``, ``month``) pair the billing holds, ``revenue`` the sum
        of its billing lines (a pair whose lines have no revenue sums to 0), in the order
        the pairs first appear. What every figure by account and month starts from.

        Examples
        --------
        >>> import kamlib
        >>> book = kamlib.load(kamlib.sample_path())
        >>> am = book.account_months()
        >>> list(am.columns)
        ['account_id', 'month', 'revenue']
        >>> bool(abs(am["revenue"].sum() - book.billing["revenue"].sum()) < 1e-6)
        True
        """
        if not self.has("billing"):
            return None
        # memoised: the KPIs, the revenue trend, contract payback, the key-account list,
        # service and migration churn each grouped every billing line by account and
        # month (15 million lines in a 400,000-account branch)
        return self.memo("account_months", self._account_months).copy(deep=False)

    def _account_months(self) -> pd.DataFrame:
        b = self.table("billing")[["account_id", "month", "revenue"]]
        return b.groupby(["account_id", "month"], sort=False, as_index=False, observed=True)[
            "revenue"
        ].sum()

    def account_products(self) -> pd.DataFrame | None:
        """Billing per account and product, or None without billing.

        One row per (``account_id``, ``product``) pair billed, in the order the pairs
        first appear: ``revenue`` (summed over the window), ``months`` (months billed: the
        billing has one line per account, month and product), ``first`` (the first month
        billed) and ``lines_with_revenue`` (lines whose revenue is not 0). A line without
        a product is in no pair.

        Examples
        --------
        >>> import kamlib
        >>> ap = kamlib.load(kamlib.sample_path()).account_products()
        >>> list(ap.columns)
        ['account_id', 'product', 'revenue', 'months', 'first', 'lines_with_revenue']
        """
        if not self.has("billing"):
            return None
        # memoised: white space, sales potential, the needs features, the segment
        # profiles, the opportunity matrix and the managers' new business each grouped
        # every billing line by account and product
        return self.memo("account_products", self._account_products).copy(deep=False)

    def _account_products(self) -> pd.DataFrame:
        b = self.table("billing")
        rev = b["revenue"].to_numpy(dtype="float64", na_value=0.0)
        lines = pd.DataFrame(
            {
                "account_id": b["account_id"],
                "product": b["product"],
                "revenue": b["revenue"],
                "month": b["month"],
                "nonzero": rev != 0,
            }
        )
        return lines.groupby(
            ["account_id", "product"], sort=False, as_index=False, observed=True
        ).agg(
            revenue=("revenue", "sum"),
            months=("month", "size"),
            first=("month", "min"),
            lines_with_revenue=("nonzero", "sum"),
        )

    def billed(self) -> pd.DataFrame | None:
        """Per billed account (index ``account_id``): ``revenue`` over the billing window
        and ``months``, the number of months it was billed in; None without billing.
        Accounts without billing rows are not in it.

        Examples
        --------
        >>> import kamlib
        >>> book = kamlib.load(kamlib.sample_path())
        >>> b = book.billed()
        >>> int(b["months"].max()) == len(book.months())
        True
        """
        if not self.has("billing"):
            return None
        return self.memo("billed", self._billed).copy(deep=False)

    def _billed(self) -> pd.DataFrame:
        am = self.account_months()
        assert am is not None
        return am.groupby("account_id", sort=False, observed=True).agg(
            revenue=("revenue", "sum"), months=("month", "size")
        )

    def observation_start(self) -> pd.Timestamp | None:
        """When observation began: ``observed_from`` if given, else the first billing
        month, else None (unknown: a snapshot export without ``observed_from``).

        Churn before it is not seen, so accounts that left earlier are outside every
        churn figure, and accounts that joined earlier enter survival estimates at the
        tenure they had then (left truncation).
        """
        if self.observed_from is not None:
            return self.observed_from
        months = self.months()
        return months[0] if len(months) else None

    def monthly_revenue(self) -> pd.Series | None:
        """Average monthly revenue per account (index: account_id, in the order of
        ``accounts``), or None if unknown.

        With billing: total billed revenue / number of months in which the account was
        billed (so a customer who joined in October is not diluted by empty months).
        Without billing: ``accounts.monthly_revenue`` as given. Accounts with no billing
        rows get NaN (unknown), not zero.
        """
        m = self.memo("monthly_revenue", self._monthly_revenue)
        return None if m is None else m.copy(deep=False)  # copy on write: ours stays

    def _monthly_revenue(self) -> pd.Series | None:
        ids = self.accounts["account_id"]
        if self.has("billing"):
            per = self.billed()
            assert per is not None
            out = (per["revenue"] / per["months"]).rename("monthly_revenue")
            return lookup(ids, out).set_axis(pd.Index(ids))
        if "monthly_revenue" in self.accounts and self.accounts["monthly_revenue"].notna().any():
            return pd.Series(
                self.accounts["monthly_revenue"].to_numpy(),
                index=pd.Index(ids),  # the Arrow strings as they are, not Python objects
                name="monthly_revenue",
            )
        return None

    def period_revenue(self) -> pd.Series | None:
        """Revenue per account for ranking and totals (index: account_id), or None.

        From billing when there is a billing table (accounts without rows: 0); else
        ``accounts.total_revenue`` (a total over the period); else the monthly charge
        ``accounts.monthly_revenue``; else the cumulative ``accounts.lifetime_revenue``;
        else None (unknown). Only the first two are revenue over the observation period:
        ``revenue_source()`` says which was used and ``revenue_caveat()`` how to read it.
        """
        p = self.memo("period_revenue", self._period_revenue)
        return None if p is None else p.copy(deep=False)  # copy on write: ours stays

    def _period_revenue(self) -> pd.Series | None:
        source = self.revenue_source()
        return None if source is None else self.revenue_from(source)

    def revenue_from(self, source: str) -> pd.Series:
        """Revenue per account (index: account_id) as :meth:`period_revenue` reads it from
        ``source`` (one of :data:`REVENUE_SOURCES`), whether or not it is this book's own.

        A book of one branch can lack what the whole operator has (a branch billed in no
        month): the operator's figures over branches seen one at a time read every branch
        from the operator's source. "billing" without billing rows is 0 per account, as
        for an account without rows; a column the accounts lack is NaN (unknown).
        """
        ids = self.accounts["account_id"].to_numpy()
        if source == "billing":
            if not self.has("billing"):
                return pd.Series(0.0, index=ids, name="revenue")
            billed = self.billed()
            assert billed is not None
            return billed["revenue"].reindex(ids).fillna(0.0).rename("revenue")
        if source not in REVENUE_SOURCES:
            raise ValueError(f"unknown revenue source {source!r}: one of {REVENUE_SOURCES}")
        column = source.split(".", 1)[1]
        if column not in self.accounts:
            return pd.Series(np.nan, index=ids, name="revenue")
        return pd.Series(self.accounts[column].to_numpy(), index=ids, name="revenue")

    def revenue_caveat(self) -> str | None:
        """How to read :meth:`period_revenue` when it is not revenue over the period
        (a sentence for the notes), or None when it is billed revenue."""
        source = self.revenue_source() or "none"
        if source not in _REVENUE_CAVEATS:
            return None
        plain, computed = _REVENUE_CAVEATS[source]
        formula = self.computed.get(source)
        return tr(computed, formula=formula) if formula else tr(plain)

    def revenue_trend(self, *, min_months: int = 3) -> pd.Series | None:
        """Revenue trend per account: least-squares slope per month / mean monthly revenue.

        Fitted over the months in which the account was billed (index: account_id), so
        +0.02 means revenue grows by 2% of its average each month. NaN for accounts billed
        in fewer than ``min_months`` months; None without a billing table. Vectorised:
        one pass over an accounts x months matrix.
        """
        if not self.has("billing"):
            return None
        # memoised: the lifecycle stages and the value x loyalty grid each ask for it, and
        # on a 400,000-account branch each asking grouped 15 million billing lines
        trend = self.memo(("revenue_trend", min_months), lambda: self._revenue_trend(min_months))
        return trend.copy(deep=False)

    def _revenue_trend(self, min_months: int) -> pd.Series:
        am = self.account_months()
        assert am is not None
        mat = am.pivot(index="account_id", columns="month", values="revenue").sort_index(axis=1)
        y = mat.to_numpy(dtype="float64")
        w = np.isfinite(y) & (y > 0)
        y = np.where(w, y, 0.0)
        t = np.arange(y.shape[1], dtype="float64")[None, :]
        n = w.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            tbar = (w * t).sum(axis=1) / n
            ybar = y.sum(axis=1) / n
            dt = np.where(w, t - tbar[:, None], 0.0)
            slope = (dt * (y - ybar[:, None])).sum(axis=1) / (dt**2).sum(axis=1)
            rel = slope / ybar
        rel = np.where(n >= min_months, rel, np.nan)
        out = pd.Series(rel, index=mat.index, name="revenue_trend")
        return out.reindex(self.accounts["account_id"].to_numpy())

    def revenue_source(self) -> str | None:
        """Where :meth:`period_revenue` comes from: 'billing', 'accounts.total_revenue',
        'accounts.monthly_revenue', 'accounts.lifetime_revenue' or None."""
        return next((s for s in REVENUE_SOURCES if self.holds_revenue(s)), None)

    def holds_revenue(self, source: str) -> bool:
        """Whether this book has revenue in ``source`` (billing rows, or a value in the
        accounts column): :meth:`revenue_source` is the first of :data:`REVENUE_SOURCES`
        that holds it."""
        if source == "billing":
            return self.has("billing")
        column = source.split(".", 1)[1]
        return column in self.accounts and bool(self.accounts[column].notna().any())

    def __repr__(self) -> str:
        tabs = ", ".join(
            f"{t}={len(getattr(self, t)):,}"
            for t in ("accounts", *OPTIONAL_TABLES)
            if self.has(t) or t == "accounts"
        )
        return f"<Book {self.name!r}: {len(self.branches)} branches, {tabs}>"


#: how to read revenue that is not billed over the period: the sentence, and the same
#: sentence naming the formula when a mapping's ``compute:`` made the column
_REVENUE_CAVEATS = {
    "accounts.total_revenue": (
        N_("revenue is accounts.total_revenue (no billing table)"),
        N_(
            "revenue is accounts.total_revenue = {formula}, computed by the mapping from the "
            "export's columns (no billing table)"
        ),
    ),
    "accounts.monthly_revenue": (
        N_(
            "revenue is the monthly charge (accounts.monthly_revenue, no billing table): "
            "shares and tiers are of monthly revenue, not of revenue over the period"
        ),
        N_(
            "revenue is the monthly charge, monthly revenue = {formula} (computed by the "
            "mapping from the export's columns; no billing table): shares and tiers are of "
            "monthly revenue, not of revenue over the period"
        ),
    ),
    "accounts.lifetime_revenue": (
        N_(
            "revenue is lifetime revenue (accounts.lifetime_revenue: cumulative since each "
            "account joined, no billing table), not revenue over the observation period: "
            "long-standing accounts weigh more for their tenure"
        ),
        N_(
            "revenue is lifetime revenue = {formula} (computed by the mapping from the "
            "export's columns: cumulative since each account joined, no billing table), not "
            "revenue over the observation period: long-standing accounts weigh more for "
            "their tenure"
        ),
    ),
    "none": (N_("no revenue in the data"), N_("no revenue in the data")),
}


def build_book(
    raw: dict[str, pd.DataFrame],
    *,
    files: dict[str, str] | None = None,
    row_labels: dict[str, str] | None = None,
    name: str = "operator",
    currency: str = "CNY",
    as_of: str | pd.Timestamp | None = None,
    source: str | None = None,
    extra_issues: list[Issue] | None = None,
    observed_from: str | pd.Timestamp | None = None,
    revenue_basis: str = "net",
    assumed: dict[str, str] | None = None,
    computed: dict[str, str] | None = None,
    consume: bool = False,
) -> Book:
    """Validate raw tables and assemble a Book, or raise DataError with every problem.

    ``consume``: empty ``raw`` as its tables are typed (see :func:`validate_tables`)."""
    if revenue_basis not in REVENUE_BASES:
        raise ConfigError(
            f"revenue_basis must be one of {', '.join(REVENUE_BASES)} (net: billing revenue is "
            f"after discounts; gross: before them), not {revenue_basis!r}"
        )
    typed, issues = validate_tables(raw, files=files, row_labels=row_labels, consume=consume)
    extra = list(extra_issues or [])
    # a table whose mapping already said which required columns it lacks (naming the
    # export's own columns) is not told again with the mapped ones
    said = {i.table for i in extra if i.rule == "missing-column"}
    issues = extra + [i for i in issues if not (i.rule == "missing-column" and i.table in said)]
    if any(i.severity == "error" for i in issues):
        raise DataError(issues)
    stamp = pd.Timestamp(as_of) if as_of is not None else as_of_from(typed)
    start = _date("observed_from", observed_from)
    if start is not None and stamp is not None and start > stamp:
        raise ConfigError(
            f"observed_from {start:%Y-%m-%d} is after the end of the observation "
            f"(as_of {stamp:%Y-%m-%d}): observation must start before it ends"
        )
    typed["accounts"] = derive_accounts(typed["accounts"], stamp)
    for t, df in typed.items():
        typed[t] = df.reset_index(drop=True)
    return Book(
        name=name,
        currency=currency,
        as_of=stamp,
        source=source,
        revenue_basis=revenue_basis,
        notes=tuple(i for i in issues if i.severity == "warning"),
        observed_from=start,
        assumed=dict(assumed or {}),
        computed=dict(computed or {}),
        **typed,
    )


def _date(key: str, value: Any) -> pd.Timestamp | None:
    """A date setting (``observed_from``) as a day, or a ConfigError naming it."""
    if value is None:
        return None
    try:
        return pd.Timestamp(value).normalize()
    except (ValueError, TypeError):
        raise ConfigError(f"{key}: {value!r} is not a date (YYYY-MM-DD)") from None


def id_matcher(ids: pd.Series) -> Any:
    """A function telling, for a column of account ids, which rows are among ``ids``.

    pandas' ``isin`` on Arrow strings turns the wanted ids into Python objects at every
    call (4 s per table for 300,000 ids); here the Arrow set is built once and each
    table's column is looked up in it by Arrow compute. Other dtypes use ``isin``.

    Examples
    --------
    >>> found = id_matcher(pd.Series(["A1", "A3"]))
    >>> found(pd.Series(["A1", "A2", "A3", None], dtype="string[pyarrow]")).tolist()
    [True, False, True, False]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    wanted = pa.array(ids.astype("string[pyarrow]").array)

    def found(col: pd.Series) -> np.ndarray:
        arrow = getattr(col.array, "__arrow_array__", None)
        if arrow is None:
            return col.isin(ids).to_numpy()
        data = arrow()
        if not (pa.types.is_string(data.type) or pa.types.is_large_string(data.type)):
            return col.isin(ids).to_numpy()
        hit = pc.is_in(data, value_set=wanted.cast(data.type))
        return np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)

    return found
