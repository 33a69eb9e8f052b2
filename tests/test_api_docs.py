"""The public OpenAPI document (every endpoint, tags, servers, examples) and /docs, offline."""
import json
import re
from html.parser import HTMLParser

import pytest
from flask import request
from openapi_spec_validator import validate

from backend.api_docs import registries
from backend.endpoints import openapi_path
from tests.browser import OFFLINE, run_chromium

# Routed by the app but not API endpoints: Swagger UI's own files.
NOT_ENDPOINTS = {"/docs/<path:path>", "/static/<path:filename>"}


def test_the_document_is_public_valid_and_covers_every_endpoint(app, client):
    response = client.get("/openapi.json")  # no JWT
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    documented = {(path, method.upper()) for path, item in document["paths"].items()
                  for method in item}
    routed = {(openapi_path(rule.rule), method) for rule in app.url_map.iter_rules()
              if rule.rule not in NOT_ENDPOINTS
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed - documented == set()
    assert documented - routed == set()  # nothing documented that is not there
    for path in ("/api/auth/register", "/api/auth/login", "/health", "/health/ready",
                 "/api/sns/instagram/uploads", "/api/sns/instagram/uploads/{token}"):
        assert path in document["paths"], path


def test_every_operation_has_a_tag_that_is_described_and_the_servers_are_this_platform(client):
    document = client.get("/openapi.json", base_url="http://platform.test").get_json()
    described = {tag["name"] for tag in document["tags"]}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["tags"][0] in described, (method, path)
    assert document["servers"] == [{"url": "http://platform.test",
                                    "description": "This platform"}]


def test_the_integration_document_is_public_and_its_own(client):
    document = client.get("/api/sns/instagram/openapi.json").get_json()
    validate(document)
    assert all(path.startswith(("/api/sns/instagram", "/api/v1/")) for path in document["paths"])


def test_every_request_example_is_valid_for_its_endpoint(app):
    bodies = 0
    with app.test_request_context():
        for registry in registries(app):
            for endpoint in registry.endpoints:
                example = registry.example_for(endpoint)
                if endpoint.body is not None and example is not None:
                    endpoint.body.model_validate(example)
                    bodies += 1
    assert bodies >= 20


def test_examples_use_the_sandbox_media_in_sandbox_mode(app, client):
    document = client.get("/openapi.json").get_json()
    post = document["paths"]["/api/sns/instagram/posts"]["post"]
    example = post["requestBody"]["content"]["application/json"]["example"]
    sandbox = app.config["INSTAGRAM_SANDBOX_URL"]
    assert example["image_url"].startswith(f"{sandbox}/_sandbox/samples/")
    login = document["paths"]["/api/auth/login"]["post"]
    assert login["requestBody"]["content"]["application/json"]["example"]["email"]


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        self.links += [value for name, value in attrs if name in ("src", "href") and value]


def test_the_docs_page_and_its_assets_are_served_by_the_platform(client):
    assert client.get("/docs").status_code in (301, 308)
    page = client.get("/docs/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    parser = _Page()
    parser.feed(html)
    assert parser.links, html
    for link in parser.links:
        assert link.startswith("/docs/"), link  # nothing from another host
        assert client.get(link).status_code == 200, link
    config = json.loads(re.search(r"var user_config = (\{.*?\});", html).group(1))
    assert config["url"] == "/openapi.json" and config["validatorUrl"] is None


@pytest.mark.browser
def test_chromium_renders_the_docs_with_no_network(chromium, live, tmp_path):
    requested = []

    @live.app.after_request
    def record(response):
        requested.append(request.path)
        return response

    dom = run_chromium(chromium, tmp_path / "profile", OFFLINE, "--virtual-time-budget=20000",
                       "--dump-dom", f"{live.url}/docs/", window="1280,1600")
    assert "SNS platform API" in dom
    # Swagger UI drew an operation block for each operation of the document.
    document = live.http.get(f"{live.url}/openapi.json").json()
    operations = sum(len(item) for item in document["paths"].values())
    assert len(re.findall(r'class="opblock opblock-', dom)) == operations
    for text in ("/api/auth/login", "/api/sns/instagram/posts", "/api/v1/instagram/publish/photo"):
        assert text in dom, text
    assert {"/docs/", "/docs/swagger-ui-bundle.js", "/openapi.json"} <= set(requested)


def test_every_multipart_body_documents_its_file_part(client):
    # /docs' "Try it out" can only send a file the document names: /uploads had no request
    # body at all, and the publish bodies named their fields but no file.
    document = client.get("/openapi.json").get_json()
    forms = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            form = operation.get("requestBody", {}).get("content", {}).get("multipart/form-data")
            if form is None:
                continue
            forms += 1
            schema = form["schema"]
            parts = [schema] + schema.get("allOf", [])
            binary = [name for part in parts for name, prop in part.get("properties", {}).items()
                      if prop.get("format") == "binary"]
            assert binary, (method, path)
    assert forms >= 7  # /uploads, /posts, /stories, /reels, /preview and the two of /api/v1
