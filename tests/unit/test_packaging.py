from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
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


def test_version_is_defined_once():
    import conflictmap

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "conflictmap.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", conflictmap.__version__)


def test_license_is_an_spdx_expression_with_its_file():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """Build the wheel as a packager would (isolated build), keeping pip's output."""
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-v", "-w", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0 and "Could not find a version that satisfies" in done.stdout + done.stderr:
        pytest.skip("the build backend cannot be fetched (no package index)")
    assert done.returncode == 0, done.stderr[-2000:]
    (path,) = out.glob("conflictmap-*.whl")
    return path, done.stdout + done.stderr


def test_wheel_builds_without_warnings(wheel):
    _, log = wheel
    backend = [line for line in log.splitlines() if re.search(r"Warning\b|warning:", line)]
    # pip's own notes about the local index and setuptools' note that byte-compiling is off are
    # not about the package.
    backend = [line for line in backend if "byte-compiling" not in line and "Location 'file:" not in line]
    assert backend == []


def test_wheel_ships_the_licences_and_type_markers(wheel):
    path, _ = wheel
    with zipfile.ZipFile(path) as whl:
        names = set(whl.namelist())
        licences = whl.read("conflictmap/data/LICENSES.md").decode()
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    for marker in ("conflictmap/py.typed", "geo/py.typed", "layers/py.typed"):
        assert marker in names
    assert "conflictmap/data/events/seed-article.geojson" in names
    assert "conflictmap/data/gazetteer.tsv.gz" in names
    for credit in ("GeoNames", "CC BY 4.0", "Who's On First", "Natural Earth", "public domain"):
        assert credit in licences


def test_wheel_ships_the_compiled_extraction_modules_and_their_sources(wheel):
    # setup.py compiles the extraction's hot modules with Cython; the .py files ship beside them
    # (the pure-Python package is the same code).
    path, _ = wheel
    with zipfile.ZipFile(path) as whl:
        names = set(whl.namelist())
    for module in ("conflictmap/extract/events", "conflictmap/extract/mentions", "geo/resolve"):
        assert f"{module}.py" in names
        assert any(n.startswith(f"{module}.") and n.endswith((".so", ".pyd")) for n in names), module
