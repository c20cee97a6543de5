from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from conflictmap.resources import data_path
from conflictmap.schema import COLUMNS

ROOT = Path(__file__).resolve().parents[2]
# conda-forge names that differ from PyPI names.
CONDA_NAMES = {"pyyaml": "pyyaml", "h3": "h3-py"}  # conda-forge names that differ


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement, maxsplit=1)[0].strip().lower()


def test_environment_yml_lists_the_runtime_dependencies_of_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    pypi = {CONDA_NAMES.get(_name(d), _name(d)) for d in project["dependencies"]}
    assert conda == pypi
    pins = {_name(d): d.replace(" ", "") for d in env["dependencies"] if isinstance(d, str)}
    for dep in project["dependencies"]:
        conda_name = CONDA_NAMES.get(_name(dep), _name(dep))
        assert pins[conda_name] == conda_name + dep.replace(" ", "")[len(_name(dep)) :], dep


def test_shipped_data_is_found():
    assert data_path("categories.yaml").is_file()
    assert data_path("countries.csv").is_file()
    assert data_path("events/seed-article.geojson").is_file()


def test_readme_documents_every_field():
    readme = (ROOT / "README.md").read_text()
    for column in COLUMNS:
        assert f"`{column}`" in readme, column


def test_every_python_package_is_listed_for_installation():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    for top in ("conflictmap", "geo", "layers"):
        for init in (ROOT / top).rglob("__init__.py"):
            package = ".".join(init.parent.relative_to(ROOT).parts)
            assert package in listed, f"{package} is missing from [tool.setuptools] packages"
