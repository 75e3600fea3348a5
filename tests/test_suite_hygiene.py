"""The suite's own rules: no test module imports another, and test files are named by behaviour.

Helpers that two test modules share live in tests/support/ (fixtures there are loaded as pytest
plugins or imported into a conftest); a test module that imports another runs the other's fixtures
and tests where nobody expects them. A file named after the process that produced it
(`test_gaps.py`, `test_done_when.py`, `test_issue7.py`) says nothing of what it checks.
"""

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
PROCESS_NAMES = re.compile(r"^test_(gaps|.*done_when.*|issue.*)\.py$")


def _python_files() -> list[Path]:
    return sorted(path for path in TESTS.rglob("*.py") if "__pycache__" not in path.parts)


def _is_test_module(module: str) -> bool:
    """Tell whether a dotted name under tests/ is a test module or a conftest (not a helper)."""
    last = module.rsplit(".", 1)[-1]
    return module.startswith("tests.") and (last.startswith("test_") or last == "conftest")


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """Every module an import statement names, with `from tests.x import test_y` counted as tests.x.test_y."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def test_no_test_module_imports_another_test_module_or_a_conftest():
    offenders = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in _imported_modules(tree):
            if _is_test_module(module):
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not offenders, "move what they share to tests/support/:\n" + "\n".join(offenders)


def test_test_files_are_named_by_what_they_test():
    named_by_process = [
        str(path.relative_to(ROOT)) for path in _python_files() if PROCESS_NAMES.match(path.name)
    ]
    assert not named_by_process, named_by_process


def test_the_hygiene_checks_catch_what_they_look_for():
    tree = ast.parse(
        "from tests.cases.conftest import officer\n"
        "from tests.meetings import test_minutes\n"
        "import tests.api.test_schema\n"
        "from tests.support.personas import officer\n"
        "from tests.visibility.paths import patterns\n"
    )
    caught = sorted({module for _, module in _imported_modules(tree) if _is_test_module(module)})
    assert caught == ["tests.api.test_schema", "tests.cases.conftest", "tests.meetings.test_minutes"]
    assert all(
        PROCESS_NAMES.match(name)
        for name in ("test_gaps.py", "test_done_when.py", "test_information_done_when.py", "test_issue7.py")
    )
    assert not PROCESS_NAMES.match("test_request_editing.py")
