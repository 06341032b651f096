# ---
# jupyter:
#   kernelspec:
#     display_name: Python (kamlib)
#     language: python
#     name: kamlib
# ---

# %% [markdown]
# # Why do key accounts leave?
#
# Key accounts (集团客户) only: how many left, the causes, which differences are real, and which groups show the warning signs now.

# %% tags=["parameters"]
data: str = ""  # data folder or export file; empty means the bundled sample operator
mapping: str = ""  # mapping YAML for a foreign export, or maven; empty for canonical tables
lang: str = "en"  # label language, en or zh

# %% tags=["remove-input"]
import matplotlib.pyplot as plt
from IPython.display import display

import kamlib

kamlib.setup_notebook(lang)
book = kamlib.load(data or kamlib.sample_path(), mapping=mapping or None)
types = kamlib.customer_types(book).table
key = book.select(
    book.accounts["account_id"].map(types["customer_type"]).eq("key_account").to_numpy()
)

# %%
display(
    kamlib.say(
        f"{len(key.accounts):,} key accounts, of which {int((key.accounts['status'] == 'churned').sum()):,} churned."
    )
)
kamlib.labelled(kamlib.churn_rates(key, by="branch").table.round(3))

# %% [markdown]
# The cause tree of the key accounts lost:

# %%
tree = kamlib.cause_tree(key, lang=lang)
tree.plot(ax=plt.figure(figsize=(8, 3.5)).gca())
plt.show()
kamlib.labelled(tree.table.round(3))

# %% [markdown]
# Do important key accounts (government, Fortune 500, ...) leave for other reasons than the rest?

# %%
assoc = kamlib.cause_association(key, by=types["importance"].rename("importance"))
display(kamlib.say(assoc.reading))
assoc.observed

# %% [markdown]
# Groups still with us that show the signals of group churn (calls forwarded to rivals up, bill down):

# %%
w = kamlib.group_warnings(key).table
cols = ["name", "branch", "lines", "forwarding_rise", "bill_change", "revenue_at_risk_year"]
kamlib.labelled(w[w["warning"] & (w["status"] == "active")][cols].round(3)) if len(w) else None
