# ---
# jupyter:
#   kernelspec:
#     display_name: Python (kamlib)
#     language: python
#     name: kamlib
# ---

# %% tags=["parameters"]
branch: str = "Suzhou"  # city branch (分公司) to report on
data: str = ""  # data folder or export file; empty means the bundled sample operator
mapping: str = ""  # mapping YAML for a foreign export, or maven; empty for canonical tables
lang: str = "en"  # label language, en or zh
tier_scheme: str = ""  # beijing, key_account, stars, abc, deciles or a YAML file; empty: beijing for CNY, abc otherwise
cost_model: str = ""  # cost rates YAML; empty uses the bundled rates (listed under Data quality)
estimates: str = ""  # your own size/probability estimates for the priority matrix (CSV or YAML)
mask_pii: bool = False  # replace account names and ids with stable pseudonyms
targets: str = ""  # KPI targets YAML (per branch or for all); empty shows no targets
output_dir: str = ""  # folder for metrics.json and tables.xlsx; empty writes nothing

# %% tags=["remove-input"]
import kamlib

kamlib.setup_notebook(lang)
book = kamlib.load(data or kamlib.sample_path(), mapping=mapping or None, branch=branch)
book = book.masked() if mask_pii else book
# every section is computed once, in the report's language; the cells below only show it
report = kamlib.build_report(
    book,
    branch,
    scheme=tier_scheme or None,
    cost_model=cost_model or None,
    estimates=estimates or None,
    targets=targets or None,
    lang=lang,
)
report.show_first_screen()

# %% tags=["remove-input"]
report.show_section("segmentation")

# %% tags=["remove-input"]
report.show_section("profit")

# %% tags=["remove-input"]
report.show_section("churn")

# %% tags=["remove-input"]
report.show_section("value")

# %% tags=["remove-input"]
report.show_section("retention")

# %% tags=["remove-input"]
report.show_section("key_accounts")

# %% tags=["remove-input"]
report.show_section("managers")

# %% tags=["remove-input"]
report.show_section("service")

# %% tags=["remove-input"]
report.show_section("watchlist")

# %% tags=["remove-input"]
report.show_section("whatif")

# %% tags=["remove-input"]
report.show_section("actions")

# %% tags=["remove-input"]
report.show_section("data_quality")

# %% tags=["remove-input"]
report.show_appendix()

# %% tags=["remove-cell"]
if output_dir:
    report.write(output_dir)
