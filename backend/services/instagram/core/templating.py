"""The integration's HTML templates (its templates/ folder): autoescaped, no Flask app needed."""
from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined


def _none_as_empty(value: Any) -> Any:
    return "" if value is None else value


@cache
def environment() -> Environment:
    """Built on first use, not at import; one per process, since templates never change.

    Every value is escaped unless it is Markup; None prints as nothing; a name the template
    uses but the caller did not pass fails loudly instead of printing blank.
    """
    return Environment(loader=PackageLoader("backend.services.instagram", "templates"),
                       autoescape=True, undefined=StrictUndefined, finalize=_none_as_empty,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render(name: str, **context: Any) -> str:
    """The template `name` rendered with `context`."""
    return environment().get_template(name).render(**context)


def macro(name: str, macro_name: str):
    """A macro of the template `name`, callable from Python; it returns Markup."""
    return getattr(environment().get_template(name).module, macro_name)
