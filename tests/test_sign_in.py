"""Sign-in works as installed: with an [auth] section configured, pressing "Sign in" on the real
dashboard (`streamlit run`) sends the browser to the identity provider's authorization page.

The identity provider is a stub on this machine that serves only its OpenID Connect discovery
document; the test follows Streamlit's login route over HTTP as a browser would, without a
browser. A forged or missing login token is sent back to the dashboard, never to the provider.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from pipeline.core.paths import PROJECT_ROOT
from tests.served import dashboard, free_port


@pytest.fixture
def identity_provider():
    """An OpenID Connect provider's discovery document, and the paths it was asked for."""
    asked: list[str] = []

    class Discovery(BaseHTTPRequestHandler):
        def do_GET(self):  # the name http.server calls
            asked.append(self.path)
            if self.path != "/.well-known/openid-configuration":
                self.send_error(404)
                return
            base = f"http://127.0.0.1:{self.server.server_port}"
            body = json.dumps(
                {
                    "issuer": base,
                    "authorization_endpoint": f"{base}/authorize",
                    "token_endpoint": f"{base}/token",
                    "jwks_uri": f"{base}/jwks",
                    "userinfo_endpoint": f"{base}/userinfo",
                    "response_types_supported": ["code"],
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Discovery)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", asked
    server.shutdown()
    server.server_close()


@pytest.fixture
def configured(tmp_path, identity_provider) -> dict:
    """A project folder's .streamlit/secrets.toml with an [auth] section for the stub."""
    provider, _ = identity_provider
    port = free_port()
    folder = tmp_path / "site"
    (folder / ".streamlit").mkdir(parents=True)
    secrets = folder / ".streamlit" / "secrets.toml"
    secrets.write_text(
        textwrap.dedent(f"""\
        [auth]
        redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
        cookie_secret = "a long random test secret for signing cookies"
        client_id = "pqa-dashboard"
        client_secret = "a test client secret"
        server_metadata_url = "{provider}/.well-known/openid-configuration"
        """)
    )
    return {"folder": folder, "secrets": secrets, "port": port}


@pytest.fixture
def served(configured, tmp_path):
    """The real dashboard, `streamlit run` from the project folder, with sign-in configured."""
    with dashboard(
        tmp_path / "data", configured["port"], "--secrets.files", str(configured["secrets"])
    ) as url:
        yield url


PRESS_SIGN_IN = """
import json
from streamlit.testing.v1 import AppTest
from streamlit.user_info import generate_login_redirect_url

at = AppTest.from_file({app!r}, default_timeout=60)
at.user = {{"is_logged_in": False}}
at.run()
at.button[0].click().run()
print(json.dumps({{"button": at.button[0].label, "errors": [e.value for e in at.exception],
                  "login": generate_login_redirect_url("default")}}))
"""


def press_sign_in(folder: Path) -> dict:
    """Press "Sign in" on the dashboard in the folder holding .streamlit/secrets.toml (where
    Streamlit looks), and give the login address st.login sends the browser to."""
    script = PRESS_SIGN_IN.format(app=str(PROJECT_ROOT / "dashboard" / "app.py"))
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_sign_in_sends_the_browser_to_the_identity_provider(configured, identity_provider, served):
    provider, asked = identity_provider
    pressed = press_sign_in(configured["folder"])
    assert pressed["button"] == "Sign in" and pressed["errors"] == []  # no missing Authlib
    answer = requests.get(served + pressed["login"], allow_redirects=False, timeout=30)
    assert answer.status_code in (302, 303, 307), answer.text
    where = urlsplit(answer.headers["location"])
    assert f"{where.scheme}://{where.netloc}{where.path}" == f"{provider}/authorize"
    query = parse_qs(where.query)
    assert query["client_id"] == ["pqa-dashboard"] and query["response_type"] == ["code"]
    assert query["redirect_uri"] == [f"http://127.0.0.1:{configured['port']}/oauth2callback"]
    assert "openid" in query["scope"][0].split() and query["state"][0]
    assert "/.well-known/openid-configuration" in asked


def test_a_forged_or_missing_login_token_goes_back_to_the_dashboard(
    configured, identity_provider, served
):
    provider, _ = identity_provider
    login = press_sign_in(configured["folder"])["login"]
    path, token = login.split("?provider=")
    head, payload, signature = token.split(".")
    forged = f"{path}?provider={head}.{payload}.{signature[::-1]}"  # the signature no longer fits
    for attempt in (forged, path):  # and no token at all
        answer = requests.get(served + attempt, allow_redirects=False, timeout=30)
        assert answer.status_code in (302, 303, 307), attempt
        assert not answer.headers["location"].startswith(provider), attempt
