"""One registry primitive (core.registry) with one policy for a duplicate, and every registry filled.

pytest-django has set Django up before these run, so every AppConfig.ready() has registered what it
registers: a registry still empty then is one nobody fills (a forgotten import in ready()).
"""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from core.registry import DuplicateRegistration, Registry, Slot, function_key, registries
from documents import access

ROOT = Path(settings.BASE_DIR)
# What registries and slots do to their entries: a module-level register* function does one of these,
# or hands the entry on to another register* function.
REGISTRY_METHODS = {"add", "entry", "add_function", "fill", "remove", "remove_function"}
# Registration functions not named register* (a read rule is declared, cases.visibility).
OTHER_REGISTRATIONS = {"case_data_rule"}
# Module-level functions named register* that fill no registry, each with the reason.
NOT_REGISTRIES = {
    # A signal receiver that installs the audit trigger's SQL function on each new connection.
    ("core/audit_db.py", "register_on_connection"),
    # A query: the citations of a text that the citation register does not hold.
    ("core/citations.py", "unregistered"),
}
# Module-level empty containers that the module's functions fill, each with the reason.
NOT_HAND_WRITTEN_REGISTRIES = {
    # The years without holiday data already logged by this process, so each is logged once.
    ("core/deadline_rows.py", "_years_warned"),
    # Settings that serving without DEBUG requires, collected while the settings module runs.
    ("config/settings.py", "MISSING_FOR_SERVING"),
}


def test_every_registry_is_filled_after_start_up():
    empty = [registry.name for registry in registries() if not registry.may_be_empty and not len(registry)]
    assert not empty, f"registries nobody filled at start-up: {empty}"


def test_start_up_lists_the_registries_of_every_layer():
    names = {registry.name for registry in registries()}
    assert {
        "inbox providers",
        "periodic jobs",
        "outbox handlers",
        "roles reader",
        "auditor scope",
        "document kinds",
        "case-data read rules",
        "case page panels",
        "meeting resolution kinds",
        "bulletin series issuers",
        "jurisdiction resolution authorities",
    } <= names


# --- the one policy for a duplicate ---------------------------------------------------------------


def first(value):
    return value


def second(value):
    return value


def test_the_same_entry_again_is_no_duplicate_and_another_raises():
    registry: Registry[str, object] = Registry("test registry")
    assert registry.add("a", first) is first
    assert registry.add("a", first) is first  # an app's ready() that runs twice
    with pytest.raises(DuplicateRegistration, match="test registry: 'a' is already registered"):
        registry.add("a", second)
    with pytest.raises(DuplicateRegistration):
        registry["a"] = second  # item assignment registers under the same policy
    assert registry["a"] is first and registry.keys() == ["a"]

    registry.entry("b")(second)
    assert registry.values() == [first, second]


def test_an_equal_entry_is_no_duplicate():
    registry: Registry[str, tuple] = Registry("test registry")
    registry.add("url", ("cases.case", "pk"))
    registry.add("url", ("cases.case", "pk"))
    with pytest.raises(DuplicateRegistration):
        registry.add("url", ("cases.case", "case_id"))


def test_a_list_of_functions_keys_each_by_its_qualified_name():
    registry: Registry[str, object] = Registry("test list")
    registry.add_function(first)
    registry.add_function(first)
    registry.add_function(second)
    assert registry.keys() == [function_key(first), function_key(second)]
    assert function_key(first) == f"{__name__}.first"

    def first_again(value):  # another function under a taken name is a duplicate
        return value

    first_again.__qualname__ = "first"
    with pytest.raises(DuplicateRegistration):
        registry.add_function(first_again)
    registry.remove_function(first_again)  # not the registered one: nothing is taken out
    assert registry.values() == [first, second]
    registry.remove_function(first)
    assert registry.values() == [second]


def test_a_slot_holds_one_hook():
    slot: Slot = Slot("test slot")
    assert not slot and slot.get() is None
    slot.fill(first)
    slot.fill(first)
    with pytest.raises(DuplicateRegistration):
        slot.fill(second)
    assert slot and slot.get() is first


def test_a_copy_is_not_listed_and_a_dropped_registry_leaves_the_list():
    live = Registry("test registry kept")
    live.add("a", 1)
    copied = live.copy({})
    copied.add("a", 2)
    assert live["a"] == 1
    assert live in registries() and copied not in registries()

    Registry("test registry dropped")
    assert "test registry dropped" not in {registry.name for registry in registries()}


def test_a_real_registry_refuses_a_second_entry_under_a_taken_key():
    def resolver(document, user):
        return False

    def another(document, user):
        return True

    access.register_resolver("tests.registries", resolver)
    try:
        access.register_resolver("tests.registries", resolver)
        with pytest.raises(DuplicateRegistration):
            access.register_resolver("tests.registries", another)
        assert access._resolvers.get("tests.registries") is resolver
    finally:
        access.unregister_resolver("tests.registries")
    assert not access.has_resolver("tests.registries")


# --- no registry written by hand ------------------------------------------------------------------


def project_modules() -> list[tuple[str, ast.Module]]:
    """Return (path from the project root, syntax tree) of every module of the project's apps."""
    packages = {
        Path(config.path)
        for config in apps.get_app_configs()
        if ROOT in Path(config.path).parents
        and not Path(config.path).relative_to(ROOT).parts[0].startswith(".")
    }
    packages.add(ROOT / "config")
    files = {path for package in packages for path in package.rglob("*.py") if "migrations" not in path.parts}
    return [
        (str(path.relative_to(ROOT)), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(files)
        if path != ROOT / "core" / "registry.py"
    ]


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def test_every_register_function_fills_a_registry():
    hand_written = []
    for path, tree in project_modules():
        for function in tree.body:
            if not isinstance(function, ast.FunctionDef) or not function.name.startswith(
                ("register", "unregister")
            ):
                continue
            if (path, function.name) in NOT_REGISTRIES:
                continue
            called = {_called_name(node) for node in ast.walk(function) if isinstance(node, ast.Call)}
            uses_global = any(isinstance(node, ast.Global) for node in ast.walk(function))
            fills = called & (REGISTRY_METHODS | OTHER_REGISTRATIONS) or any(
                name.startswith(("register", "unregister")) for name in called
            )
            if uses_global or not fills:
                hand_written.append(f"{path}: {function.name}")
    assert not hand_written, f"register functions that fill no core.registry Registry or Slot: {hand_written}"


def _empty_container(node) -> bool:
    if isinstance(node, ast.Dict | ast.List):
        return not (node.keys if isinstance(node, ast.Dict) else node.elts)
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in {"dict", "list", "set", "defaultdict", "OrderedDict"}
    )


def _module_containers(tree: ast.Module) -> set[str]:
    names = set()
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and _empty_container(statement.value):
            names |= {target.id for target in statement.targets if isinstance(target, ast.Name)}
        elif (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and _empty_container(statement.value)
        ):
            names.add(statement.target.id)
    return names


def _filled(node, names: set[str]) -> str | None:
    """Return the module-level container this node puts something in, if any."""
    if isinstance(node, ast.Assign | ast.AugAssign):
        for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
            if (
                isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and target.value.id in names
            ):
                return target.value.id
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"append", "extend", "insert", "update", "setdefault", "add"}
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id in names
    ):
        return node.func.value.id
    return None


def test_no_module_fills_an_empty_module_level_container_but_the_known_ones():
    """A module-level {} or [] that the module's functions fill is a registry by hand: use core.registry."""
    found = set()
    for path, tree in project_modules():
        names = _module_containers(tree)
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                found |= {(path, name) for node in ast.walk(function) if (name := _filled(node, names))}
    assert found == NOT_HAND_WRITTEN_REGISTRIES, "module-level containers filled by hand (use core.registry)"
