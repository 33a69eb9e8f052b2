"""The `fields=` parameter: `a,b{c,d.limit(2)}` parsed into a tree of requested fields."""
import re
from dataclasses import dataclass, field

from .errors import GraphError

_NAME = re.compile(r"[A-Za-z0-9_]+")


@dataclass
class FieldSpec:
    """One requested field; `children` is None unless braces followed it."""

    name: str
    children: list = None
    modifiers: dict = field(default_factory=dict)


def parse_fields(text):
    """Parse a `fields` value; an empty or missing value gives an empty list."""
    parser = _Parser(re.sub(r"\s+", "", text or ""))
    specs = parser.items()
    if parser.pos != len(parser.text):
        parser.fail(f'Expected end of string instead of "{parser.text[parser.pos]}".')
    return specs


class _Parser:
    def __init__(self, text):
        self.text = text
        self.pos = 0

    def fail(self, expectation):
        raise GraphError(100, f'(#100) Syntax error "{expectation}" at character {self.pos}: '
                              f"{self.text}")

    def peek(self):
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, char):
        if self.peek() != char:
            found = f'"{self.peek()}"' if self.peek() else "end of string"
            self.fail(f'Expected "{char}" instead of {found}.')
        self.pos += 1

    def name(self):
        match = _NAME.match(self.text, self.pos)
        if not match:
            self.fail("Expected a field name.")
        self.pos = match.end()
        return match.group()

    def items(self):
        specs = {}
        while self.pos < len(self.text) and self.peek() != "}":
            if self.peek() == ",":
                self.pos += 1
                continue
            spec = self.item()
            specs.setdefault(spec.name, spec)
        return list(specs.values())

    def item(self):
        spec = FieldSpec(self.name())
        while self.peek() == ".":
            self.pos += 1
            modifier = self.name()
            self.expect("(")
            end = self.text.find(")", self.pos)
            if end < 0:
                self.fail('Expected ")".')
            spec.modifiers[modifier] = self.text[self.pos:end]
            self.pos = end + 1
        if self.peek() == "{":
            self.pos += 1
            spec.children = self.items()
            self.expect("}")
        return spec
