"""kamlib: key-account management analytics for telecom operators.

Load an operator's data into a validated :class:`Book`, then segment it, analyse customer
profit (the 80/20 view and the whale curve) and churn causes, per branch; ``kam report``
builds one report per branch. See the README for a tour.
"""

from . import report
from ._book import Book
from ._config import cause_taxonomy, config_path
from ._display import setup_notebook
from ._errors import ConfigError, DataError, Issue, KamlibError, ValidationReport
from ._io import load, write_book
from ._schema import data_model_markdown
from .report import branch_metrics, data_quality, key_figures, write_metrics
from .runner import run_reports, sample_path
from .synth import SampleOperator, synth

__version__ = "0.1.0"

__all__ = [
    "Book",
    "ConfigError",
    "DataError",
    "Issue",
    "KamlibError",
    "SampleOperator",
    "ValidationReport",
    "branch_metrics",
    "cause_taxonomy",
    "config_path",
    "data_model_markdown",
    "data_quality",
    "key_figures",
    "load",
    "report",
    "run_reports",
    "sample_path",
    "setup_notebook",
    "synth",
    "write_book",
    "write_metrics",
]
