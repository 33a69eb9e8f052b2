"""The scripts in docs/examples run as documented (CI also runs them as programs)."""
import importlib.util
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
pytestmark = pytest.mark.e2e


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_client_walkthrough_runs_against_a_given_sandbox(fresh_sandbox, capsys):
    # Videos finish at once here, so the walkthrough's waits take no real time.
    fresh_sandbox.state.update_settings({"video_processing_seconds": 0})
    load("client_walkthrough").main(["--sandbox-url", fresh_sandbox.url])
    out = capsys.readouterr().out
    assert "@sandbox_business (BUSINESS)" in out
    assert "'Hello from a script #sandbox\\n#walkthrough'" in out
    assert "reel: views" in out and "new token, valid for 60 days" in out
    assert out.rstrip().endswith("done")
    media = [m for m in fresh_sandbox.state.stores["media"].by_id.values() if not m.seeded]
    assert sorted(m.product for m in media) == ["FEED", "REELS", "STORY"]  # each posted once
