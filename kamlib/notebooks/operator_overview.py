# ---
# jupyter:
#   kernelspec:
#     display_name: Python (kamlib)
#     language: python
#     name: kamlib
# ---

# %% tags=["parameters"]
data: str = ""  # data folder or export file; empty means the bundled sample operator
mapping: str = ""  # mapping YAML for a foreign export, or maven; empty for canonical tables
lang: str = "en"  # report language, en or zh
tier_scheme: str = ""  # beijing, key_account, stars, abc, deciles or a YAML file; empty: beijing for CNY, abc otherwise
cost_model: str = ""  # cost rates YAML; empty uses the bundled rates
output_dir: str = ""  # folder for operator.json and tables.xlsx; empty writes nothing

# %% tags=["remove-input"]
from IPython.display import display

import kamlib
from kamlib._i18n import language
from kamlib.overview import build_overview

kamlib.setup_notebook(lang)
book = kamlib.load(data or kamlib.sample_path(), mapping=mapping or None)
# the language for this notebook only: a reused kernel keeps no report's language
with language(lang):
    overview = build_overview(book, scheme=tier_scheme or None, cost_model=cost_model or None)
    display(kamlib.say(f"# {overview.title()}"))
    overview.show()

# %% tags=["remove-cell"]
if output_dir:
    with language(lang):
        overview.write(output_dir)
