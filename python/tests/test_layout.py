"""The package's layout rules, checked on its source: modules talk through
each other's public names (private modules such as _ffi and _convert are
the package's shared internals), and the production code never depends on
the NumPy reference it is checked against."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "swiftmoons"
MODULES = sorted(p for p in PACKAGE.glob("*.py"))


def _tree(path):
    return ast.parse(path.read_text(), filename=str(path))


def _own_module_aliases(tree):
    """Names bound to the package's own public modules (`from . import audit as _audit`)."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module is None:
            for alias in node.names:
                if not alias.name.startswith("_"):
                    aliases[alias.asname or alias.name] = alias.name
    return aliases


#: Private names of protocols the package implements (ctypes reads `_as_parameter_`).
PROTOCOL_NAMES = {"_as_parameter_"}


def _private_members(tree):
    """The private attribute and method names a module's classes define."""
    names = set()
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        for node in ast.walk(cls):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
                names.add(node.attr)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
                names.add(node.value)  # object.__setattr__(self, "_name", ...)
    return {n for n in names if n.startswith("_") and not n.startswith("__")} - PROTOCOL_NAMES


PRIVATE = {path.name: _private_members(_tree(path)) for path in MODULES}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_module_reads_the_private_members_of_another_modules_objects(path):
    own = PRIVATE.get(path.name, set())
    others = set().union(*(names for name, names in PRIVATE.items() if name != path.name)) - own
    found = [f"line {node.lineno}: .{node.attr}" for node in ast.walk(_tree(path))
             if isinstance(node, ast.Attribute) and node.attr in others
             and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))]
    assert not found, found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_module_imports_or_reads_another_modules_private_names(path):
    tree = _tree(path)
    aliases = _own_module_aliases(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module and not node.module.startswith("_"):
            found += [f"line {node.lineno}: from .{node.module} import {a.name}" for a in node.names
                      if a.name.startswith("_")]
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    assert not found, found


@pytest.mark.parametrize("path", [p for p in MODULES if p.name != "reference.py"], ids=lambda p: p.name)
def test_production_code_does_not_import_the_reference(path):
    tree = _tree(path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module == "reference" or (node.module is None and any(a.name == "reference" for a in node.names)):
                found.append(node.lineno)
        if isinstance(node, ast.Import) and any(a.name == "swiftmoons.reference" for a in node.names):
            found.append(node.lineno)
    assert not found, f"{path.name} imports swiftmoons.reference at lines {found}"


def test_the_checks_can_fail(tmp_path):
    """The two rules flag what they are meant to flag."""
    bad = tmp_path / "bad.py"
    bad.write_text("from . import audit as _audit, reference\nfrom .training import _positive_int\n"
                   "x = _audit._measure\nparams = net._split(flat)\n")
    with pytest.raises(AssertionError, match="_audit._measure"):
        test_no_module_imports_or_reads_another_modules_private_names(bad)
    with pytest.raises(AssertionError, match="_split"):
        test_no_module_reads_the_private_members_of_another_modules_objects(bad)
    with pytest.raises(AssertionError, match="imports swiftmoons.reference"):
        test_production_code_does_not_import_the_reference(bad)
