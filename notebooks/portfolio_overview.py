# ---
# jupyter:
#   kernelspec:
#     display_name: Python (kamlib)
#     language: python
#     name: kamlib
# ---

# %% [markdown]
# # All branches side by side
#
# The operator's branches compared on the same figures and pictures. Every number comes from `kamlib`; each branch's own report has the detail.

# %% tags=["parameters"]
data: str = ""  # data folder or export file; empty means the bundled sample operator
mapping: str = ""  # mapping YAML for a foreign export, or maven; empty for canonical tables
lang: str = "en"  # label language, en or zh
tier_scheme: str = ""  # beijing, key_account, stars, abc, deciles or a YAML; empty: by currency
cost_model: str = ""  # cost rates YAML; empty uses the bundled rates

# %% tags=["remove-input"]
import matplotlib.pyplot as plt
from IPython.display import display

import kamlib

kamlib.setup_notebook(lang)
book = kamlib.load(data or kamlib.sample_path(), mapping=mapping or None)

# %% [markdown]
# ## League table
#
# The figures of each branch's `metrics.json` (see `docs/metrics.md`). A blank means the data cannot give that figure for the branch.

# %%
league = kamlib.league_table(book, scheme=tier_scheme or None, cost_model=cost_model or None)
kamlib.labelled(league.table.round(3))

# %% [markdown]
# ## Where the profit is
#
# Each branch's whale curve: how far above 100% of its profit the best accounts go before the loss-makers give it back.

# %%
branches = {br: book.branch(br) for br in book.branches}
pnls = {br: kamlib.customer_pnl(b, cost_model=cost_model or None) for br, b in branches.items()}
whales = {br: kamlib.whale_curve(branches[br], pnl=p) for br, p in pnls.items() if p.has_costs}
if whales:
    ax = plt.figure(figsize=(8, 4)).gca()
    for br, w in whales.items():
        w.plot(ax=ax, label=br)
    plt.show()
else:
    display(kamlib.say("No cost data: the whale curves cannot be drawn."))

# %% [markdown]
# Revenue concentration (Lorenz curves): the further below the diagonal, the more a few accounts carry the branch.

# %%
fig, ax = plt.subplots(figsize=(6, 4))
for br, p in pnls.items():
    c = kamlib.concentration(branches[br], value="revenue", pnl=p)
    c.plot(ax=ax, label=f"{br} (Gini {c.gini:.2f})")
plt.show()

# %% [markdown]
# ## Who the customers are
#
# The mix of value tiers and customer types by branch. The test under each picture says whether the branches really differ or only by chance.

# %%
tiers = kamlib.value_tiers(book, scheme=tier_scheme or None)
mix = kamlib.segment_mix(book, tiers.assignment.rename("tier"))
mix.plot(ax=plt.figure(figsize=(8, 3.5)).gca())
plt.show()
display(kamlib.say(mix.test.reading))
kamlib.labelled(mix.shares_table().round(3))

# %%
if "customer_type" in book.accounts:
    types = kamlib.segment_mix(book, "customer_type")
    display(kamlib.say(types.test.reading))
    display(kamlib.labelled(types.shares_table().round(3)))

# %% [markdown]
# Needs-based segments fitted on the whole operator's business and key accounts, so that the same segment means the same thing in every branch:

# %%
needs = kamlib.NeedsSegments(seed=0).fit(book)
for note in needs.notes:
    display(kamlib.say(f"*Note:* {note}"))
if needs.labels_.notna().any():
    needs_mix = kamlib.segment_mix(book, needs.labels_)
    needs_mix.plot(ax=plt.figure(figsize=(8, 3.5)).gca())
    plt.show()
    display(kamlib.say(needs_mix.test.reading))

# %% [markdown]
# ## Why customers leave, branch by branch
#
# Churned accounts per cause group. Red: more churners than the operator's mix would predict, blue: fewer; a framed cell stands out beyond chance (only when the branches differ at all).

# %%
causes = kamlib.cause_association(book, by="branch")
display(kamlib.say(causes.reading))
causes.plot(ax=plt.figure(figsize=(7, 3.5)).gca())
plt.show()
causes.observed
