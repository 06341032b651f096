"""Re-execute the stored notebooks on the bundled sample, in place (`make refresh-notebooks`).

Run after an intended change to a reported number: the stored outputs are what nbval
compares in `make test`, so they must be refreshed and the diff reviewed in git.
"""

from __future__ import annotations

import sys
from pathlib import Path

import papermill as pm

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
# the regression set: stored executed, compared by nbval in `make test`
STORED = [
    "branch_report.ipynb",
    "portfolio_overview.ipynb",
    "where_is_our_profit_concentrated.ipynb",
    "why_do_key_accounts_leave.ipynb",
]

for name in sys.argv[1:] or STORED:
    path = NOTEBOOKS / name
    pm.execute_notebook(
        str(path),
        str(path),
        kernel_name="kamlib",
        cwd=str(NOTEBOOKS),
        progress_bar=False,
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        execution_timeout=600,
    )
    print("refreshed", path)
