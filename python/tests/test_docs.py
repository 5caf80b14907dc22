"""The documentation holds: every public function, class and method of the
modules listed here documents its parameters, what it returns and an
example, and the examples run (as doctests) and give what they show.

A public module left off the list fails the last test."""

import doctest
import importlib
import inspect

import pytest

#: The public modules: every public name (their __all__) is documented in full.
DOCUMENTED = ["swiftmoons.random", "swiftmoons.data", "swiftmoons.parallel", "swiftmoons.storage",
              "swiftmoons.network", "swiftmoons.training", "swiftmoons.article", "swiftmoons.activations",
              "swiftmoons.experiments", "swiftmoons.plot", "swiftmoons.geometry", "swiftmoons.audit",
              "swiftmoons.sklearn", "swiftmoons.widgets", "swiftmoons.layers", "swiftmoons.cnn"]


def public_callables(module):
    """(qualified name, function) for each public function, class and method in the module's __all__."""
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isfunction(obj):
            yield name, obj
        elif inspect.isclass(obj):
            yield name, obj
            for attr, member in vars(obj).items():
                if attr.startswith("_"):
                    continue
                if isinstance(member, (classmethod, staticmethod)):
                    member = member.__func__
                if inspect.isfunction(member):
                    yield f"{name}.{attr}", member


def missing_sections(obj) -> list:
    doc = inspect.getdoc(obj) or ""
    missing = []
    if inspect.isclass(obj):
        parameters = [p for p in inspect.signature(obj.__init__).parameters if p not in ("self", "cls")]
        returns = False
    else:
        signature = inspect.signature(obj)
        parameters = [p for p in signature.parameters if p not in ("self", "cls")]
        returns = signature.return_annotation not in (None, "None", inspect.Signature.empty)
    if parameters and "Parameters" not in doc:
        missing.append("Parameters")
    if returns and "Returns" not in doc and "Yields" not in doc:
        missing.append("Returns")
    if "Examples" not in doc:
        missing.append("Examples")
    return missing


@pytest.mark.parametrize("module_name", DOCUMENTED)
def test_every_public_name_documents_parameters_returns_and_an_example(module_name):
    module = importlib.import_module(module_name)
    gaps = {name: gap for name, obj in public_callables(module) if (gap := missing_sections(obj))}
    assert not gaps, gaps


@pytest.mark.parametrize("module_name", DOCUMENTED)
def test_the_examples_run_and_show_what_they_give(module_name):
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0, result


def test_the_check_finds_a_function_without_an_example():
    def undocumented(x):
        """Does something."""
    assert missing_sections(undocumented) == ["Parameters", "Examples"]


def test_every_public_module_is_checked():
    import pkgutil
    import swiftmoons
    public = {f"swiftmoons.{m.name}" for m in pkgutil.iter_modules(swiftmoons.__path__)
              if not m.name.startswith("libswiftmoons")  # the native libraries
              # reference mirrors the public API in plain NumPy; diagnostics holds internal helpers.
              if not m.name.startswith("_") and m.name not in ("reference", "diagnostics")}
    assert public == set(DOCUMENTED), public ^ set(DOCUMENTED)
