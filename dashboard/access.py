"""Who may see and do what.

When an identity provider is configured (an [auth] section in Streamlit's secrets), people
sign in with `st.login` (OpenID Connect) and a roles file maps each email address to roles:
`analyst` (may load returns), `pqa` (may view the indicators and questions, build the
six-monthly report, keep the meetings log), `executive` (may record responses to questions),
and an agency's lead (listed with their agency under [agency_leads]: may add or correct that
agency's commentary, and no other's). Pages and actions follow the roles; a signed-in person
with no role sees nothing but a note saying so. Without an identity provider the dashboard
runs in local mode: one person on their own machine, with every role, clearly labelled.
Local mode is served to this machine only (a loopback address): on any other address it
refuses to show anything, unless PQA_ALLOW_LOCAL_MODE_ON_NETWORK=1 says someone chose so.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from pipeline.core import paths

ROLES = ("analyst", "pqa", "executive", "agency_lead")
ROLE_NAMES = {
    "analyst": "analyst",
    "pqa": "performance and quality assurance subgroup",
    "executive": "executive group",
    "agency_lead": "agency lead",
}
AGENCY_LEAD = "agency_lead"

# file, title, address, the roles that may open it. Every page has its own address, so a link
# to /overview or /questions opens that page. The menu has no icons: Streamlit draws them from
# an icon font, and a screen reader reads the icon's name aloud ("upload_file Load a return").
PAGES = [
    ("views/overview.py", "Overview", "overview", ("analyst", "pqa", "executive")),
    ("views/explorer.py", "Indicator explorer", "explorer", ("analyst", "pqa", "executive")),
    ("views/questions.py", "Flagged questions", "questions", ("pqa", "executive")),
    ("views/matters.py", "Questions and matters log", "matters", ("pqa", "executive")),
    ("views/report.py", "Six-monthly report", "report", ("pqa", "executive")),
    ("views/commentary.py", "Agency commentary", "commentary",
     ("analyst", "pqa", "executive", "agency_lead")),
    ("views/returns.py", "Returns and data quality", "returns", ("analyst", "pqa")),
    ("views/load.py", "Load a return", "load", ("analyst",)),
    ("views/definitions.py", "Definitions and glossary", "definitions",
     ("analyst", "pqa", "executive")),
]  # fmt: skip
LOCAL_MODE = "local"
ALLOW_LOCAL_MODE_ON_NETWORK = "PQA_ALLOW_LOCAL_MODE_ON_NETWORK"


@dataclass(frozen=True)
class Person:
    name: str
    roles: frozenset[str]
    mode: str  # "local" or "signed in"
    # the agency an agency lead writes commentary for; in local mode None, and the one
    # person there may write for any agency (they have every role)
    agency: str | None = None

    def may(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


def roles_file() -> Path:
    """`PQA_ROLES_FILE`, default data/roles.toml; deploy/roles.example.toml shows the form."""
    return Path(os.environ.get("PQA_ROLES_FILE", paths.data_dir() / "roles.toml"))


def _roles_table() -> dict:
    try:
        return tomllib.loads(roles_file().read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def _listed(table: dict, email: str):
    return table.get(email.lower()) or table.get(email)


def roles_of(email: str) -> frozenset[str]:
    """The roles under [people], and `agency_lead` for someone listed under [agency_leads]."""
    table = _roles_table()
    wanted = _listed(table.get("people", {}), email) or []
    wanted = [wanted] if isinstance(wanted, str) else list(wanted)
    # a lead is a lead of one agency: the role comes with the agency, never without it
    wanted = [r for r in wanted if r != AGENCY_LEAD]
    if agency_of(email):
        wanted.append(AGENCY_LEAD)
    return frozenset(r for r in wanted if r in ROLES)


def agency_of(email: str) -> str | None:
    """The agency (its code, like `police`) an agency lead writes for: [agency_leads] in the
    roles file maps their email address to it."""
    agency = _listed(_roles_table().get("agency_leads", {}), email)
    return agency.strip() if isinstance(agency, str) and agency.strip() else None


def identity_provider_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError):
        return False


def served_to_this_machine_only(address: str | None) -> bool:
    """Whether Streamlit's `server.address` lets only this machine in. Unset means every
    network interface; a host name other than localhost could resolve to anything."""
    if not address:
        return False
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def local_mode_allowed(address: str | None) -> bool:
    return (
        served_to_this_machine_only(address) or os.environ.get(ALLOW_LOCAL_MODE_ON_NETWORK) == "1"
    )


def _refuse_local_mode(address: str | None) -> None:
    where = f"the address {address}" if address else "every network address of this machine"
    st.title("Safeguarding partnership indicators")
    st.error(
        f"The dashboard is not shown. No sign-in is set up, so it runs in local mode, where "
        f"whoever can open it has every role (load returns, see every figure, record "
        f"responses); and it is being served on {where}, so other machines could open it. "
        "Do one of these: serve it to this machine only (`make run`, or `streamlit run "
        "dashboard/app.py --server.address 127.0.0.1`); or set up sign-in (an [auth] section "
        "in .streamlit/secrets.toml, see deploy/secrets.example.toml); or, only on a network "
        f"that is yours alone, start it with {ALLOW_LOCAL_MODE_ON_NETWORK}=1."
    )


def current_person() -> Person | None:
    """The person using the dashboard, or None when the page must show nothing more: they
    still have to sign in (the sign-in button is then on the page), or local mode is refused
    because the dashboard is served beyond this machine."""
    if not identity_provider_configured():
        address = st.get_option("server.address")
        if not local_mode_allowed(address):
            _refuse_local_mode(address)
            return None
        return Person("you", frozenset(ROLES), LOCAL_MODE)
    if not st.user.is_logged_in:
        st.title("Safeguarding partnership indicators")
        st.write("Sign in with your organisation's account to see the partnership's figures.")
        st.button("Sign in", on_click=st.login, type="primary")
        return None
    email = str(st.user.get("email") or "")
    name = str(st.user.get("name") or email)
    return Person(name, roles_of(email), "signed in", agency_of(email))


def may_open(person: Person, page: str) -> bool:
    """Whether the navigation gives `person` this page (a file in PAGES): a link to a page
    the person is not given would fail, so pages link only to pages the person may open."""
    return any(f == page and person.may(*roles) for f, _, _, roles in PAGES)
