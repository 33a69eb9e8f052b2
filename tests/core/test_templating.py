"""The integration's HTML templates: shipped in the package, autoescaped, no Flask app needed."""
from pathlib import Path

import pytest
from jinja2 import UndefinedError

import backend.services.instagram as integration
from backend.services.instagram.core.templating import environment, macro, render

TEMPLATES = Path(integration.__file__).parent / "templates"


def test_every_template_in_the_package_folder_compiles():
    names = sorted(p.name for p in TEMPLATES.iterdir() if p.is_file())
    assert {"preview.html", "preview.css", "highlight.html", "oauth_result.html"} <= set(names)
    assert sorted(environment().list_templates()) == names
    for name in names:
        environment().get_template(name)


def test_values_are_escaped_and_none_prints_nothing_outside_any_app():
    page = render("oauth_result.html", title="<b>T</b> & 'x'", message=None)
    assert "<title>&lt;b&gt;T&lt;/b&gt; &amp; &#39;x&#39;</title>" in page
    assert "<p></p>" in page and "<b>" not in page and "None" not in page


def test_a_missing_value_fails_instead_of_printing_blank():
    with pytest.raises(UndefinedError):
        render("oauth_result.html", title="only a title")


def test_macros_return_escaped_markup():
    html = macro("highlight.html", "highlight")([("text", "<i>"), ("hashtag", "#a&b")])
    assert str(html) == '&lt;i&gt;<span class="ig-tag ig-hashtag">#a&amp;b</span>'
