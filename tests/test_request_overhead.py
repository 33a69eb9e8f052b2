"""What a cheap request costs beyond its work: no session serializer built for a request
without a session cookie (tests/benchmarks/bench_endpoint.py measures the time)."""
from flask import session

from backend.sessions import SessionsOnDemand


def test_sessions_are_opened_only_for_a_request_with_a_session_cookie(app, monkeypatch):
    interface = app.session_interface
    assert isinstance(interface, SessionsOnDemand)
    built = []
    real = interface.get_signing_serializer
    monkeypatch.setattr(interface, "get_signing_serializer",
                        lambda a: built.append(1) or real(a))

    @app.get("/test-session")
    def demo():
        session["seen"] = session.get("seen", 0) + 1
        return {"seen": session["seen"]}
    client = app.test_client()
    client.get("/health/live")
    assert built == []  # no cookie: nothing to verify
    assert client.get("/test-session").get_json() == {"seen": 1}
    assert client.get("/test-session").get_json() == {"seen": 2}  # the cookie is read back
