"""The project's own promises: docs in step with code, environment.yml with pyproject."""

from __future__ import annotations

import tomllib

import yaml

import kamlib

from .conftest import ROOT


def test_metrics_doc_is_current(sample_book):
    doc = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert doc == kamlib.report.metrics_markdown(), (
        "docs/metrics.md is out of date: regenerate it with kamlib.report.metrics_markdown()"
    )
    # every key a report writes is documented, and nothing else
    m = kamlib.branch_metrics(sample_book, "Hanzhong")
    assert set(kamlib.report.METRICS_SCHEMA) == set(m)


def test_data_model_doc_is_current():
    doc = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    assert doc.strip() == kamlib.data_model_markdown().strip(), (
        "run: python -c 'import kamlib; ...' (see docs)"
    )


def test_environment_yml_agrees_with_pyproject():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    req = py["project"]["requires-python"]  # ">=3.11"
    conda_python = next(
        d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python")
    )
    assert conda_python.split("=")[-1] >= req.lstrip(">=")
    pip = next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]
    extras = set(py["project"]["optional-dependencies"])
    installs = [p for p in pip if p.startswith("-e .")]
    assert installs, "environment.yml must install kamlib itself from pyproject.toml"
    named = set(installs[0].split("[")[1].rstrip("]").split(","))
    assert named == extras, f"environment.yml installs extras {named}, pyproject has {extras}"
    assert "-c constraints.txt" in pip


def test_constraints_pin_every_dependency():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pins = {
        line.split("==")[0].lower().replace("_", "-")
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line
    }
    deps = list(py["project"]["dependencies"])
    for extra in py["project"]["optional-dependencies"].values():
        deps += extra
    names = {
        d.split(">")[0].split("=")[0].split("<")[0].split("[")[0].strip().lower() for d in deps
    }
    assert names <= pins, f"not pinned in constraints.txt: {sorted(names - pins)}"


def test_public_api_is_explicit():
    for name in kamlib.__all__:
        assert hasattr(kamlib, name), name
