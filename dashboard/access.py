"""Who may see and do what.

When an identity provider is configured (an [auth] section in Streamlit's secrets), people
sign in with `st.login` (OpenID Connect) and a roles file maps each email address to roles:
`analyst` (may load returns), `pqa` (may view the indicators and questions), `executive`
(may record responses to questions). Pages and actions follow the roles; a signed-in person
with no role sees nothing but a note saying so. Without an identity provider the dashboard
runs in local mode: one person on their own machine, with every role, clearly labelled.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from pipeline import paths

ROLES = ("analyst", "pqa", "executive")
ROLE_NAMES = {"analyst": "analyst", "pqa": "performance and quality assurance subgroup",
              "executive": "executive group"}
LOCAL_MODE = "local"


@dataclass(frozen=True)
class Person:
    name: str
    roles: frozenset[str]
    mode: str  # "local" or "signed in"

    def may(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


def roles_file() -> Path:
    """`PQA_ROLES_FILE`, default data/roles.toml; deploy/roles.example.toml shows the form."""
    return Path(os.environ.get("PQA_ROLES_FILE", paths.data_dir() / "roles.toml"))


def roles_of(email: str) -> frozenset[str]:
    try:
        people = tomllib.loads(roles_file().read_text(encoding="utf-8")).get("people", {})
    except (OSError, tomllib.TOMLDecodeError):
        return frozenset()
    wanted = people.get(email.lower()) or people.get(email) or []
    wanted = [wanted] if isinstance(wanted, str) else wanted
    return frozenset(r for r in wanted if r in ROLES)


def identity_provider_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError):
        return False


def current_person() -> Person | None:
    """The person using the dashboard, or None while they still have to sign in (the sign-in
    button is then on the page)."""
    if not identity_provider_configured():
        return Person("you", frozenset(ROLES), LOCAL_MODE)
    if not st.user.is_logged_in:
        st.title("Safeguarding partnership indicators")
        st.write("Sign in with your organisation's account to see the partnership's figures.")
        st.button("Sign in", on_click=st.login, type="primary")
        return None
    email = str(st.user.get("email") or "")
    return Person(str(st.user.get("name") or email), roles_of(email), "signed in")
