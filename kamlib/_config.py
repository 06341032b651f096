"""Assumptions as data: the YAML files under ``kamlib/config`` and the user's own.

Every rate, threshold and taxonomy kamlib uses is read from there, so a user can see it
(``kamlib.config_path()``) and replace it with a file of their own. Reading and checking
the files is :mod:`kamlib._settings`; this module keeps the public entry points.
"""

from __future__ import annotations

import functools

import pandas as pd

from ._settings import config_path, read_yaml, settings

__all__ = ["config_path", "read_yaml", "cause_taxonomy", "causes_markdown"]


@functools.cache
def _taxonomy() -> pd.DataFrame:
    df = pd.DataFrame.from_dict(settings("causes")["causes"], orient="index")
    df.index.name = "cause"
    return df


def cause_taxonomy() -> pd.DataFrame:
    """The churn-cause taxonomy: one row per cause code with its group and labels.

    Examples
    --------
    >>> import kamlib
    >>> kamlib.cause_taxonomy().loc["competitor_price", "group"]
    'competitor'
    """
    return _taxonomy().copy()


def causes_markdown() -> str:
    """Render the cause taxonomy as Markdown (``docs/causes.md`` is this, kept in step
    with ``config/causes.yaml`` and the bundled Maven mapping by a test).

    Examples
    --------
    >>> print(causes_markdown().splitlines()[0])
    # Churn causes: the taxonomy and how to group an export's reasons
    """
    spec = settings("causes")
    causes, groups = spec["causes"], spec["groups"]
    out = [
        "# Churn causes: the taxonomy and how to group an export's reasons",
        "",
        "Generated from `kamlib/config/causes.yaml` by `kamlib._config.causes_markdown()`; a",
        "test keeps this file in step with it. The cause tree, the churn-cause tests and the",
        "first screen's actions read `accounts.churn_cause` as one of the codes below.",
        "",
        "An export gives its reasons in its own words. Map them to codes with `values:` for",
        "`churn_cause` in the mapping (below). A reason left unmapped is not lost: it is shown",
        "as it is written, under the group **unclassified** (未归类), and `kam validate` and",
        "the report's data-quality notes list such texts (`[unclassified-cause]`, a warning).",
        "When only `churn_category` is mapped, its values are used the same way. An",
        "unclassified reason is never taken as controllable: the first screen names the top",
        "cause the branch can act on only among classified causes.",
        "",
        "## Groups",
        "",
        "| group | en | zh |",
        "|---|---|---|",
    ]
    out += [f"| `{g}` | {v['en']} | {v['zh']} |" for g, v in groups.items()]
    out += [
        "",
        "## Causes",
        "",
        "Controllable: the operator can act on the cause itself (its service, offering,",
        "price, relationship, staff).",
        "",
        "| code | group | controllable | en | zh | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for code, c in causes.items():
        yes = "yes" if c.get("controllable") else ""
        out.append(
            f"| `{code}` | {c['group']} | {yes} | {c['en']} | {c['zh']} | {c.get('meaning', '')} |"
        )
    maven = read_yaml(config_path("mappings/maven_telecom_churn.yaml"), what="mapping")
    reasons = maven["tables"]["accounts"]["values"]["churn_cause"]
    column = maven["tables"]["accounts"]["columns"]["churn_cause"]
    out += [
        "",
        "## Worked example: grouping an export's reasons",
        "",
        f"The Maven telecom export gives its reasons in a column `{column}`. Its bundled",
        "mapping (`kamlib/config/mappings/maven_telecom_churn.yaml`) maps the column to",
        "`churn_cause` and groups every text under a code with `values:`:",
        "",
        "```yaml",
        "tables:",
        "  accounts:",
        "    columns:",
        f"      churn_cause: {column}",
        "    values:",
        "      churn_cause:",
    ]
    out += [f'        "{text}": {code}' for text, code in reasons.items()]
    out += [
        "```",
        "",
        "Steps for an export of your own:",
        "",
        "1. Map the reason column to `churn_cause` and run `kam validate`: the warning",
        "   `[unclassified-cause]` lists the texts that are not codes yet (the draft of",
        "   `kam map` lists every distinct text of a categorical column).",
        "2. For each text, pick the code whose meaning above fits (quote texts with a colon,",
        "   a quote or a leading `Yes`/`No` in YAML). A text that says the reason is not",
        '   known ("Don\'t know") maps to `unknown`.',
        "3. Leave out a text you cannot place: it stays unclassified, shown as itself.",
        "",
    ]
    return "\n".join(out)
