"""Static check: nothing in conflictmap/, geo/ or layers/ can turn data into running code.

Files conflictmap reads (inputs, option files, its own cache folder) may be hostile. Loading
them must never go through pickle-like formats or evaluate their text, and YAML is read only
through conflictmap._yaml (which refuses aliases): this test scans the source (AST, so
comments and strings do not count) and names every use it finds.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("conflictmap", "geo", "layers")
# Modules that rebuild objects (and so can run code) from bytes.
FORBIDDEN_MODULES = {"pickle", "_pickle", "cPickle", "marshal", "shelve", "dill", "cloudpickle", "joblib"}
FORBIDDEN_MODULES |= {"jsonpickle", "copyreg"}
# Builtins that run text as code.
FORBIDDEN_BUILTINS = {"eval", "exec", "compile", "__import__", "execfile"}
# Attribute calls that unpickle or build arbitrary objects.
FORBIDDEN_ATTRIBUTES = {
    "read_pickle",  # pandas
    "unsafe_load",
    "full_load",
    "unsafe_load_all",
    "full_load_all",
    "Loader",  # yaml.Loader, yaml.UnsafeLoader and friends build Python objects
    "UnsafeLoader",
    "FullLoader",
    "CLoader",
    "CUnsafeLoader",
    "CFullLoader",
}


# PyYAML functions that load documents; only conflictmap/_yaml.py may call its loader.
YAML_LOADS = {"load", "load_all", "safe_load", "safe_load_all", "compose", "compose_all"}


def sources() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def findings(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, f"import {a.name}") for a in node.names if _forbidden_module(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.module and _forbidden_module(node.module):
            found.append((node.lineno, f"from {node.module} import ..."))
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_BUILTINS:
                found.append((node.lineno, f"{func.id}(...)"))
            if isinstance(func, ast.Attribute) and func.attr in YAML_LOADS and _is_name(func.value, "yaml"):
                # Even the safe loaders follow aliases (billion laughs): conflictmap._yaml refuses them.
                found.append((node.lineno, f"yaml.{func.attr}(...) (use conflictmap._yaml)"))
            for keyword in node.keywords:
                if keyword.arg == "allow_pickle" and not _is_false(keyword.value):
                    found.append((node.lineno, "allow_pickle=<not False>"))
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            found.append((node.lineno, f".{node.attr}"))
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_BUILTINS and isinstance(node.ctx, ast.Load):
            found.append((node.lineno, node.id))  # also passed around without being called
    return sorted(set(found))


def _forbidden_module(name: str) -> bool:
    return name.split(".")[0] in FORBIDDEN_MODULES


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _is_false(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def test_the_packages_have_sources():
    assert len(sources()) > 30


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_pickle_marshal_shelve_eval_or_exec(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    assert findings(tree) == [], f"{path.relative_to(ROOT)} turns data into code"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import pickle", "import pickle"),
        ("import pickle as p", "import pickle"),
        ("from pickle import loads", "from pickle import ..."),
        ("import marshal, shelve", "import marshal"),
        ("from joblib import load", "from joblib import ..."),
        ("x = eval(text)", "eval(...)"),
        ("exec(code)", "exec(...)"),
        ("f = eval", "eval"),
        ("compile(src, 'f', 'exec')", "compile(...)"),
        ("np.load(path, allow_pickle=True)", "allow_pickle=<not False>"),
        ("np.load(path, allow_pickle=flag)", "allow_pickle=<not False>"),
        ("pd.read_pickle(path)", ".read_pickle"),
        ("yaml.load(text, Loader=yaml.Loader)", "yaml.load(...) (use conflictmap._yaml)"),
        ("yaml.safe_load(text)", "yaml.safe_load(...) (use conflictmap._yaml)"),
        ("yaml.compose(text, Loader=yaml.SafeLoader)", "yaml.compose(...) (use conflictmap._yaml)"),
        ("yaml.unsafe_load(text)", ".unsafe_load"),
    ],
)
def test_the_scan_finds_each_kind_of_use(code, expected):
    assert expected in [what for _, what in findings(ast.parse(code))]


@pytest.mark.parametrize(
    "code",
    [
        "re.compile('x')",
        "np.load(path, allow_pickle=False)",
        "load_yaml(text)",
        "yaml.safe_dump(data)",
        "# import pickle",
        "'eval(x)'",
    ],
)
def test_the_scan_lets_safe_code_pass(code):
    assert findings(ast.parse(code)) == []
