"""Every error code the platform's code can emit is in docs/api.md.

The codes are read from the source: string constants passed as a `code` (keyword, or the
position of a parameter named `code` of a function, class or dataclass of the platform),
`code = "..."` class attributes, `{"code": "..."}` literals, and the tables that turn
exceptions into codes. A code added without documentation fails here, naming the file.
"""
import ast
import re
from pathlib import Path

from backend.errors import HTTP_CODES, JWT_MESSAGES
from backend.services.instagram.core.error_handlers import MAPPING

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [p for p in (ROOT / "backend").rglob("*.py")
           if "sandbox" not in p.parts and "migrations" not in p.parts]
CODE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)+|[a-z]{4,}")


def code_positions(trees):
    """{callable name: positions of its `code` parameter} over every def and class."""
    positions, bases = {}, {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                names = [a.arg for a in node.args.posonlyargs + node.args.args]
                if "code" in names:
                    own = node.name if node.name != "__init__" else None
                    index = names.index("code") - (names[:1] == ["self"])
                    if own:
                        positions.setdefault(own, set()).add(index)
            elif isinstance(node, ast.ClassDef):
                fields = [s.target.id for s in node.body
                          if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)]
                init = next((s for s in node.body if isinstance(s, ast.FunctionDef)
                             and s.name == "__init__"), None)
                if init is not None:
                    fields = [a.arg for a in init.args.args[1:]]
                if "code" in fields:
                    positions.setdefault(node.name, set()).add(fields.index("code"))
                elif init is None and not fields:  # takes its base class's arguments
                    bases[node.name] = [getattr(b, "id", None) for b in node.bases]
    while True:
        inherited = {name: set().union(*(positions[b] for b in parents if b in positions))
                     for name, parents in bases.items() if name not in positions}
        inherited = {name: found for name, found in inherited.items() if found}
        if not inherited:
            return positions
        positions.update(inherited)


def emitted_codes():
    """{code: "file:line"} of every error code the source can emit."""
    trees = {path: ast.parse(path.read_text(), str(path)) for path in SOURCES}
    positions = code_positions(trees.values())
    found = {}

    def add(node, where):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.setdefault(node.value, f"{where.relative_to(ROOT)}:{node.lineno}")
        elif isinstance(node, ast.IfExp):  # "video_too_short" if short else "video_too_long"
            add(node.body, where)
            add(node.orelse, where)
        elif isinstance(node, ast.JoinedStr):  # f"{noun}_too_long": a pattern of codes
            pattern = "".join(re.escape(part.value) if isinstance(part, ast.Constant)
                              else "[a-z0-9_]+" for part in node.values)
            found.setdefault(f"re:{pattern}", f"{where.relative_to(ROOT)}:{node.lineno}")

    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                for keyword in node.keywords:
                    if keyword.arg == "code":
                        add(keyword.value, path)
                for index in positions.get(name, ()):
                    if index < len(node.args):
                        add(node.args[index], path)
                if name == "error_response" and node.args:
                    add(node.args[0], path)
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    if isinstance(key, ast.Constant) and key.value == "code":
                        add(value, path)
            elif isinstance(node, ast.ClassDef):
                for statement in node.body:
                    if isinstance(statement, ast.Assign) and any(
                            getattr(t, "id", None) == "code" for t in statement.targets):
                        add(statement.value, path)
    tables = {**{c: "backend/errors.py HTTP_CODES" for c in HTTP_CODES.values()},
              **{c: "backend/errors.py JWT_MESSAGES" for c in JWT_MESSAGES},
              **{c: "core/error_handlers.py MAPPING" for _cls, _s, c in MAPPING},
              "instagram_error": "core/error_handlers.py"}
    found.update(tables)
    return {code: where for code, where in found.items()
            if CODE.fullmatch(code) or code.startswith("re:")}


def documented_codes():
    text = (ROOT / "docs" / "api.md").read_text()
    return set(re.findall(r"`([a-z][a-z0-9_]*)`", text))


def test_the_scan_finds_the_codes_it_should():
    codes = emitted_codes()
    # One of each way a code is written in the source.
    for code in ("email_taken", "account_not_found", "connect_failed", "upload_empty",
                 "aspect_ratio_out_of_range", "too_many_hashtags", "method_not_allowed",
                 "token_expired", "instagram_action_blocked", "url_not_https",
                 "video_too_short", "video_too_long", "re:[a-z0-9_]+_too_long"):
        assert code in codes, code
    assert len(codes) > 100


def test_every_error_code_is_in_the_api_reference():
    documented = documented_codes()
    missing = {code: where for code, where in emitted_codes().items()
               if not (any(re.fullmatch(code[3:], d) for d in documented)
                       if code.startswith("re:") else code in documented)}
    assert missing == {}, "document these codes in docs/api.md:\n" + "\n".join(
        f"  {code}  ({where})" for code, where in sorted(missing.items()))
