# ---
# jupyter:
#   kernelspec:
#     display_name: Python (kamlib)
#     language: python
#     name: kamlib
# ---

# %% [markdown]
# # Where is our profit concentrated?
#
# A consultant's first look at an operator: which accounts make the profit, which destroy it, and do the rules of thumb hold? Change `branch` to look at one branch.

# %% tags=["parameters"]
data: str = ""  # data folder or export file; empty means the bundled sample operator
mapping: str = ""  # mapping YAML for a foreign export, or maven; empty for canonical tables
lang: str = "en"  # label language, en or zh
branch: str = ""  # one branch, or empty for the whole operator

# %% tags=["remove-input"]
import matplotlib.pyplot as plt
from IPython.display import display

import kamlib

kamlib.setup_notebook(lang)
book = kamlib.load(data or kamlib.sample_path(), mapping=mapping or None)
b = book.branch(branch) if branch else book
pnl = kamlib.customer_pnl(b)

# %% [markdown]
# The rules of thumb, tested on these accounts:

# %%
kamlib.labelled(kamlib.rules_of_thumb(b, pnl=pnl).table)

# %%
whale = kamlib.whale_curve(b, pnl=pnl)
whale.plot(ax=plt.figure(figsize=(7, 3.5)).gca())
plt.show()
kamlib.labelled(whale.summary())

# %% [markdown]
# Profit by value tier: do the top tiers carry the profit as well as the revenue?

# %%
tiers = kamlib.value_tiers(b)
cols = ["accounts", "revenue", "cost", "profit", "margin"]
kamlib.labelled(pnl.by(tiers.assignment.rename("tier"))[cols].round(3))

# %% [markdown]
# Which costs eat the profit of the loss-making accounts?

# %%
losers = kamlib.profit.is_loss_making(pnl.table)  # profit below the break-even band
pnl.plot(
    ax=plt.figure(figsize=(7, 3.5)).gca(),
    mask=losers,
    title="Cost to serve of the loss-making accounts",
)
plt.show()

# %% [markdown]
# The services that lose money across accounts, and the largest loss-makers with their lever:

# %%
actions = kamlib.profit_actions(b, pnl=pnl, top=10)
display(kamlib.labelled(actions.services.round(3)))
kamlib.labelled(actions.table.round(0))
