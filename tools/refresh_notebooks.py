"""Re-execute the stored notebooks on the bundled sample, in place (`make refresh-notebooks`).

Run after an intended change to a reported number: the stored outputs are what nbval
compares in `make test`, so they must be refreshed and the diff reviewed in git.
"""

from __future__ import annotations

from pathlib import Path

import papermill as pm

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
STORED = ["branch_report.ipynb"]  # the regression set: stored executed

for name in STORED:
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
