"""A static guard: no code of ours gives Jinja anything but a constant as template source.

branca compiles ``Element(text)`` as a template, and ``MacroElement.render`` compiles each
rendered macro again; text from data in either runs on the machine that makes the map (issue
10). The scan reads the source of ``conflictmap``, ``geo`` and ``layers`` and fails on

- ``Element(...)``, ``Template(...)`` (jinja2, branca or folium, under any import name) or
  ``<anything>.from_string(...)`` with a template that is not a string literal, and any
  ``template=`` / ``template_name=`` argument that is not one;
- a ``_template`` assigned anything but ``Template("literal")``;
- a class of ours, or a folium/branca class we construct, that is a ``MacroElement`` without
  :class:`layers.literal.LiteralMacroElement`'s render.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest
from branca.element import MacroElement

from layers.literal import LiteralMacroElement

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("conflictmap", "geo", "layers")
COMPILERS = {"Element", "Template", "from_string"}
TEMPLATE_KEYWORDS = {"template", "template_name", "source"}
JINJA_HOMES = ("jinja2", "branca", "folium")


def _sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def _literal(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _callee(node: ast.Call, aliases: dict[str, str]) -> str | None:
    if isinstance(node.func, ast.Name):
        return aliases.get(node.func.id, node.func.id)
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _call_problems(node: ast.Call, aliases: dict[str, str]) -> list[str]:
    name = _callee(node, aliases)
    keywords = TEMPLATE_KEYWORDS if name in COMPILERS else TEMPLATE_KEYWORDS - {"source"}
    given = [kw.value for kw in node.keywords if kw.arg in keywords]
    problems = []
    if name in COMPILERS:
        given += node.args[:1]
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            problems.append(f"line {node.lineno}: {name}(*args/**kwargs)")
    problems += [f"line {node.lineno}: {name}({ast.unparse(a)})" for a in given if not _literal(a)]
    attribute = node.args[1] if name == "setattr" and len(node.args) >= 2 else None
    if isinstance(attribute, ast.Constant) and attribute.value == "_template":
        problems.append(f"line {node.lineno}: setattr(..., '_template', ...)")
    return problems


def _assign_problems(node: ast.stmt, aliases: dict[str, str]) -> list[str]:
    if isinstance(node, ast.Assign):
        targets, value = node.targets, node.value
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets, value = [node.target], node.value
    else:
        return []
    names = [t.id if isinstance(t, ast.Name) else getattr(t, "attr", None) for t in targets]
    if "_template" not in names:
        return []
    literal_template = (
        isinstance(value, ast.Call)
        and _callee(value, aliases) == "Template"
        and len(value.args) == 1
        and _literal(value.args[0])
        and not value.keywords
    )
    return [] if literal_template else [f"line {node.lineno}: _template = {ast.unparse(value or node)}"]


def template_sources(source: str) -> list[str]:
    """Places in `source` where a template is compiled from something other than a literal."""
    tree = ast.parse(source)
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(JINJA_HOMES):
            for name in node.names:
                aliases[name.asname or name.name] = name.name
    problems: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            problems += _call_problems(node, aliases)
        elif isinstance(node, ast.stmt):
            problems += _assign_problems(node, aliases)
    return problems


BAD = [
    "from branca.element import Element\nElement(text)",
    "from branca.element import Element\nElement(f'<h1>{title}</h1>')",
    "import branca\nbranca.element.Element('<p>' + notes + '</p>')",
    "from jinja2 import Template as T\nT(source)",
    "import jinja2\njinja2.Template('a' + b)",
    "env.from_string(text)",
    "jinja2.Environment().from_string(source=text)",
    "Element(*parts)",
    "Template(**options)",
    "JavascriptLink(url, template=markup)",
    "Element(template_name=name)",
    "class X(MacroElement):\n    _template = Template(text)",
    "class X(MacroElement):\n    _template = compiled",
    "class X(MacroElement):\n    _template: Template = Template(f'{{% macro script(this, k) %}}{x}')",
    "def f(self, markup):\n    self._template = Template(markup)",
    "setattr(element, '_template', Template(markup))",
]
GOOD = [
    "read_events(path, source=name)",
    "from branca.element import Element\nElement()",
    "from branca.element import Element\nElement('<style>.x{}</style>')",
    "class X(MacroElement):\n    _template = Template('{% macro script(this, kwargs) %}{% endmacro %}')",
    "class X(Element):\n    _template = Template('{{ this.raw }}')",
    "Template('a' 'b')",
    "RawHtml(markup)",
    "figure.html.add_child(RawHtml(text), name=name)",
]


@pytest.mark.parametrize("source", BAD)
def test_the_scan_finds_template_source_from_data(source: str) -> None:
    assert template_sources(source), source


@pytest.mark.parametrize("source", GOOD)
def test_the_scan_lets_literal_templates_pass(source: str) -> None:
    assert template_sources(source) == []


def test_no_code_compiles_a_template_from_data() -> None:
    sources = _sources()
    assert len(sources) > 40
    found = {
        str(path.relative_to(ROOT)): problems
        for path in sources
        if (problems := template_sources(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(expr: ast.expr, namespace: dict[str, object]) -> object | None:
    """The object a dotted name (``folium.plugins.MiniMap``) stands for in a module, if any."""
    if isinstance(expr, ast.Name):
        return namespace.get(expr.id)
    if isinstance(expr, ast.Attribute):
        owner = _resolve(expr.value, namespace)
        return getattr(owner, expr.attr, None) if owner is not None else None
    return None


def _compiling_macro(obj: object) -> bool:
    return (
        inspect.isclass(obj) and issubclass(obj, MacroElement) and not issubclass(obj, LiteralMacroElement)
    )


def test_every_macro_element_we_build_renders_literally() -> None:
    """branca's MacroElement.render compiles each rendered macro: ours must never reach it."""
    found: list[str] = []
    classes = 0
    for path in _sources():
        name = _module_name(path)
        module = importlib.import_module(name)
        for obj in vars(module).values():
            if inspect.isclass(obj) and obj.__module__ == name and issubclass(obj, MacroElement):
                classes += 1
                if _compiling_macro(obj):
                    found.append(f"{name}.{obj.__qualname__} (class)")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _compiling_macro(target := _resolve(node.func, vars(module))):
                found.append(f"{name} line {node.lineno}: {ast.unparse(node.func)}(...) is {target}")
    assert classes >= 12
    assert found == []


def test_the_literal_render_guard_sees_folium_classes() -> None:
    import folium

    namespace = {"folium": folium}
    assert _compiling_macro(_resolve(ast.parse("folium.LayerControl", mode="eval").body, namespace))
    assert _compiling_macro(_resolve(ast.parse("folium.plugins.MiniMap", mode="eval").body, namespace))
