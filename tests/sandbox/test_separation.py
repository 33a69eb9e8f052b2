"""The sandbox is a separate program: none of its modules imports the platform."""
import ast
from pathlib import Path

import backend.sandbox

SANDBOX = Path(backend.sandbox.__file__).parent


def absolute_imports(path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module


def test_no_sandbox_module_imports_the_platform():
    """It reaches the platform only over HTTP, so it can run apart from it."""
    offenders = sorted(f"{path.relative_to(SANDBOX)}: {name}"
                       for path in SANDBOX.rglob("*.py")
                       for name in absolute_imports(path)
                       if name == "backend" or name.startswith("backend."))
    assert offenders == []
