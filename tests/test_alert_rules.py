"""The shipped Prometheus alert rules load, fire on what they are meant for, and only use
metrics the platform serves, each with a runbook in docs/operations.md."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

DOCS = Path(__file__).resolve().parent.parent / "docs"
RULES = DOCS / "prometheus" / "alerts.yml"


@pytest.mark.skipif(not shutil.which("promtool"), reason="promtool not installed (Debian: "
                    "prometheus); the rules are still parsed by the other tests")
def test_promtool_checks_and_unit_tests_the_rules():
    for command in (["check", "rules", "alerts.yml"], ["test", "rules", "alerts_test.yml"]):
        done = subprocess.run(["promtool", *command], cwd=RULES.parent, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr


def rules():
    document = yaml.safe_load(RULES.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_every_alert_has_a_runbook_section_and_an_expression():
    operations = (DOCS / "operations.md").read_text().lower()
    names = [rule["alert"] for rule in rules()]
    assert {"PlatformHighErrorRate", "InstagramCircuitOpen", "InstagramTokenRefreshFailures",
            "InstagramUsageNearLimit", "InstagramPostsStuck"} <= set(names)
    for rule in rules():
        assert rule["expr"].strip() and rule["labels"]["severity"] in ("page", "ticket")
        anchor = rule["annotations"]["runbook"].split("#")[1]
        assert f"#### {rule['alert'].lower()}" in operations, anchor


def test_the_rules_only_use_metrics_the_platform_serves(client, auth_headers):
    client.get("/api/sns/instagram/accounts", headers=auth_headers())
    served = {f.name for f in text_string_to_metric_families(
        client.get("/metrics").get_data(as_text=True))}
    for rule in rules():
        for name in set(re.findall(r"\b((?:http|instagram|background)_[a-z_]+)", rule["expr"])):
            family = re.sub(r"_(total|count|sum|bucket)$", "", name)
            assert family in served, (rule["alert"], name)


def test_every_refresh_outcome_is_served_before_any_refresh(client):
    """An alert comparing failed with refreshed needs both series, even when every refresh
    fails (the rule also has `or vector(0)`; promtool tests that case)."""
    text = client.get("/metrics").get_data(as_text=True)
    served = {s.labels["outcome"] for f in text_string_to_metric_families(text)
              for s in f.samples if s.name == "instagram_token_refresh_total"}
    assert {"refreshed", "failed", "needs_reauth", "token_changed"} <= served
