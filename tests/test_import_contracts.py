"""The layers of DESIGN 2 point down only, checked over the source of every module.

Lowest first: `identifiers`, `matching` (pure Python) → `core` → `organisations` → `learners`
→ `batches`, `plr`, `challenges` (and `synthetic`) → `api`, `portal`, `demo`, `ops`. A module
imports only from its own layer or below; nothing imports `api`, `portal` or `demo` (not
even each other); `matching` never imports `synthetic`; no app imports the project's
composition root (`settings`, `urls`, `wsgi`, `cli`).

What counts as an import: every `import` and `from … import` anywhere in a module (top level,
inside functions, under `if TYPE_CHECKING:`), relative ones resolved; and every model named by
a string in a relation field (`ForeignKey("learners.Learner")`), where the app label is the
package's name. Migrations are history and are not checked. `settings.AUTH_USER_MODEL` is
Django's own indirection for a lower app to refer to the user model, and is allowed.

Also: no two modules import each other at run time, directly or round a longer loop (an import
under `if TYPE_CHECKING:` may point back).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"identifiers", "matching"}),
    frozenset({"core", "formats"}),
    frozenset({"organisations"}),
    frozenset({"learners"}),
    # synthetic avoids the names learners refuses (learners.prohibited_text); only the demo,
    # the benchmarks and the tests use it.
    frozenset({"batches", "plr", "challenges", "synthetic"}),
    # Learner accounts and share links read the PLR (docs/adr/0010-learner-portal.md).
    frozenset({"learner_accounts"}),
    frozenset({"api", "portal", "demo", "ops"}),
)
NOTHING_IMPORTS = frozenset({"api", "portal", "demo", "ops"})
COMPOSITION_ROOT = frozenset({"settings", "urls", "wsgi", "cli"})
NOT_CODE = frozenset({"locale"})
RELATION_FIELDS = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField", "ForeignObject"})
LAYER_OF = {package: number for number, layer in enumerate(LAYERS) for package in layer}


@dataclass(frozen=True)
class Reference:
    module: str  # lrs.x.y, the module that refers
    line: int
    target: str  # lrs.a.b, the module (or package) it refers to
    how: str  # "import" or the relation field's string
    type_only: bool = False  # under `if TYPE_CHECKING:`

    def __str__(self) -> str:
        return f"{self.module}:{self.line} → {self.target} ({self.how})"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for path in sorted((SRC / "lrs").rglob("*.py"))
        if "migrations" not in path.relative_to(SRC).parts
    }


MODULES = _modules()


def _existing(name: str) -> str:
    """The longest prefix of a dotted name that is one of our modules."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def _type_checking_lines(tree: ast.AST) -> set[int]:
    """The lines of the bodies of `if TYPE_CHECKING:` blocks."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for statement in node.body:
                lines.update(range(statement.lineno, (statement.end_lineno or 0) + 1))
    return lines


def _references(module: str, path: Path) -> Iterator[Reference]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    type_only = _type_checking_lines(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "lrs":
                    yield Reference(
                        module,
                        node.lineno,
                        _existing(alias.name),
                        "import",
                        node.lineno in type_only,
                    )
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            if source.split(".")[0] != "lrs":
                continue
            for alias in node.names:
                # `from lrs.x import y`: the module lrs.x.y if there is one, else lrs.x.
                target = _existing(f"{source}.{alias.name}") or _existing(source)
                yield Reference(module, node.lineno, target, "import", node.lineno in type_only)
        elif isinstance(node, ast.Call):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else None
            if isinstance(node.func, ast.Name):
                called = node.func.id
            if called not in RELATION_FIELDS:
                continue
            values = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "to")]
            for value in values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    label = value.value.partition(".")[0]
                    if "." in value.value and f"lrs.{label}" in MODULES:
                        yield Reference(module, node.lineno, f"lrs.{label}", value.value)


REFERENCES = sorted(
    {ref for module, path in MODULES.items() for ref in _references(module, path)},
    key=str,
)


def _package(module: str) -> str:
    """`lrs.learners.services` → `learners`; the `lrs` package itself → ''."""
    return module.split(".")[1] if module.count(".") else ""


def _violation(ref: Reference) -> str | None:
    source, target = _package(ref.module), _package(ref.target)
    if source in COMPOSITION_ROOT or source == target or not target:
        return None
    if target in COMPOSITION_ROOT:
        return "imports the project's composition root"
    if source not in LAYER_OF:
        return None  # reported by test_every_package_has_a_layer
    if target in NOTHING_IMPORTS:
        return f"nothing imports {target}"
    if source == "matching" and target == "synthetic":
        return "matching never imports synthetic"
    if LAYER_OF.get(target, -1) > LAYER_OF[source]:
        return (
            f"{source} (layer {LAYER_OF[source]}) refers up to {target} (layer {LAYER_OF[target]})"
        )
    return None


def test_every_package_has_a_layer() -> None:
    packages = {_package(module) for module in MODULES} - {""}
    placed = set(LAYER_OF) | COMPOSITION_ROOT | NOT_CODE
    assert packages - placed == set(), "add the new package to LAYERS (and to DESIGN 2)"


@pytest.mark.parametrize("layer", range(len(LAYERS)), ids=[" ".join(sorted(x)) for x in LAYERS])
def test_each_layer_refers_only_to_its_own_or_lower_layers(layer: int) -> None:
    problems = [
        f"{ref}: {why}"
        for ref in REFERENCES
        if _package(ref.module) in LAYERS[layer] and (why := _violation(ref))
    ]
    assert not problems, "\n".join(problems)


def test_no_modules_import_each_other() -> None:
    """At run time: an import only for type checking may point back (it sets no import order)."""
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for ref in REFERENCES:
        if ref.how == "import" and not ref.type_only and ref.target != ref.module:
            graph[ref.module].add(ref.target)
    cycles = _cycles(graph)
    assert not cycles, "\n".join(" ⇄ ".join(cycle) for cycle in cycles)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


# The checks above must be able to fail: each catches a made-up module that breaks its rule.


@pytest.mark.parametrize(
    ("module", "source", "why"),
    [
        ("lrs.core.audit", "from lrs.learners.models import Learner", "refers up"),
        (
            "lrs.core.actor",
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from lrs.organisations.models import User",
            "refers up",
        ),
        ("lrs.core.models", "x = models.ForeignKey('learners.Learner', on_delete=1)", "refers up"),
        ("lrs.learners.services", "def f():\n    from lrs.batches import queue", "refers up"),
        ("lrs.batches.services", "from lrs.api.errors import status_for", "nothing imports api"),
        ("lrs.api.routers.learners", "from lrs.portal import access", "nothing imports portal"),
        ("lrs.matching.fit", "from lrs.synthetic import generate_register", "synthetic"),
        ("lrs.learners.models", "from ..core.bulk import insert_rows", None),
        ("lrs.organisations.models", "from . import selectors", None),
        ("lrs.portal.views.pages", "import lrs.wsgi", "composition root"),
        ("lrs.demo.data", "from lrs.batches.services import submit_batch", None),
    ],
)
def test_a_reference_that_breaks_a_rule_is_caught(
    module: str, source: str, why: str | None, tmp_path: Path
) -> None:
    path = tmp_path / "__probe__.py"
    path.write_text(source)
    problems = [reason for ref in _references(module, path) if (reason := _violation(ref))]
    if why is None:
        assert problems == []
    else:
        assert len(problems) == 1
        assert why in problems[0]


def test_a_loop_of_imports_is_caught() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_an_import_for_type_checking_is_still_a_reference_but_told_apart(tmp_path: Path) -> None:
    path = tmp_path / "__probe__.py"
    path.write_text(
        "from typing import TYPE_CHECKING\n"
        "from lrs.core import errors\n"
        "if TYPE_CHECKING:\n"
        "    from lrs.core.actor import Actor\n"
    )
    refs = {(ref.target, ref.type_only) for ref in _references("lrs.core.audit", path)}
    assert refs == {("lrs.core.errors", False), ("lrs.core.actor", True)}
