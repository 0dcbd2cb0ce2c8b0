"""Taking returns from the inbox (data/raw/inbox/) for the refresh, so that one bad file never
stops the nightly refresh and nothing dropped there is lost or loaded half-written.

The rules, in the order a file meets them (docs/inbox.md says them for operators):
- only finished files are taken: a name starting with '.' or '~$' (Excel's "file is open"
  marker) or ending in '.part' is never taken, and a file is taken only once it has not changed
  for PQA_INBOX_SETTLE_SECONDS (its times are that old, and its size and times are the same
  before and after a wait that long); anything else is left for the next refresh;
- each file is loaded on its own and ends in loaded/ or refused/, with its reasons beside a
  refused one in NAME.errors.txt; a file the loader cannot handle (unreadable, a folder, a
  broken link, the reader failing on it) is refused like any other bad return;
- nothing in loaded/ or refused/ is ever overwritten: a second file of the same name is kept
  as NAME.2.csv, NAME.3.csv, ...;
- a file refused because it seems to hold child-level data is deleted, not kept (its reasons
  are kept), since the service never keeps such data;
- a file is first moved into inbox/.loading/, so a file dropped under the same name meanwhile
  waits for the next refresh instead of being filed unloaded; a file a killed refresh left
  there is taken first by the next one (loading is all or nothing, so it loads once).
"""

from __future__ import annotations

import errno
import os
import stat
import time
import traceback
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from pipeline.core import paths
from pipeline.ingest.load import FileOutcome, load_returns
from pipeline.ingest.returns import rules
from pipeline.ingest.returns.findings import Finding, Location, errors
from pipeline.ingest.returns.validate import CHILD_LEVEL_RULES

LOADED, REFUSED, LEFT, DELETED = "loaded", "refused", "left", "deleted"
LOADING = ".loading"
DEFAULT_SETTLE_SECONDS = 10.0
# Failures of the machine, not of the file: the file waits in the inbox for a later refresh.
SYSTEM_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.ENOMEM}


@dataclass
class InboxFile:
    """What became of one inbox file."""

    name: str
    outcome: str  # loaded, refused, deleted (refused as child-level data) or left
    where: Path | None  # where the file is now (None once deleted)
    detail: str
    failure: str | None = None  # where in the program a failure arose, for the log (no data)

    @property
    def accepted(self) -> bool:
        return self.outcome == LOADED

    def where_in_words(self) -> str:
        if self.outcome == LEFT:
            return "left in the inbox"
        if self.where is None:
            return "deleted"
        return f"moved to {self.where.parent.name}/{self.where.name}"

    def as_record(self) -> dict:
        return {
            "file": self.name,
            "outcome": self.outcome,
            "accepted": self.accepted,
            "now_at": str(self.where) if self.where else None,
            "detail": self.detail,
        }


Signature = tuple[int, int, int, int]  # inode, size, modified and changed times (ns)


def settle_seconds() -> float:
    """How long a file must have been unchanged to be taken (PQA_INBOX_SETTLE_SECONDS)."""
    try:
        return max(0.0, float(os.environ.get("PQA_INBOX_SETTLE_SECONDS", DEFAULT_SETTLE_SECONDS)))
    except ValueError:
        return DEFAULT_SETTLE_SECONDS


def take(loaded_by: str | None, today: date, settle: float | None = None) -> list[InboxFile]:
    """Load every finished inbox file on its own and file it in loaded/ or refused/."""
    inbox = paths.inbox_dir()
    if not inbox.is_dir():
        return []
    settle = settle_seconds() if settle is None else settle
    handled: list[InboxFile] = []
    leftovers = sorted((inbox / LOADING).iterdir()) if (inbox / LOADING).is_dir() else []
    for path in leftovers:  # a killed refresh's file: settled before it was moved
        handled.append(_take_one(path, _signature(path), loaded_by, today))
    ready, waiting = _finished(_candidates(inbox), settle)
    handled += waiting
    for path, signature in ready:
        handled.append(_take_one(path, signature, loaded_by, today))
    try:
        (inbox / LOADING).rmdir()  # empty once every file is filed
    except OSError:
        pass
    return handled


def _candidates(inbox: Path) -> list[Path]:
    return sorted(
        p for p in inbox.iterdir() if p.name not in (LOADED, REFUSED) and not p.name.startswith(".")
    )


def _finished(
    entries: list[Path], settle: float
) -> tuple[list[tuple[Path, Signature | None]], list[InboxFile]]:
    """Split the inbox into files to take now and files left for a later refresh."""
    waiting = [
        InboxFile(p.name, LEFT, p, _unfinished_name(p.name))
        for p in entries
        if _unfinished_name(p.name)
    ]
    entries = [p for p in entries if not _unfinished_name(p.name)]
    first = {p: _signature(p) for p in entries}
    now = time.time_ns()
    young = {
        p for p, s in first.items() if s and settle > 0 and (now - max(s[2], s[3])) / 1e9 < settle
    }
    rest = [p for p in entries if p not in young]
    if settle > 0 and any(first[p] for p in rest):
        time.sleep(settle)  # a file still being written changes meanwhile
    changed = {p for p in rest if first[p] and _signature(p) != first[p]}
    waiting += [
        InboxFile(
            p.name,
            LEFT,
            p,
            f"changed less than {settle:g} s ago, so it may "
            "still be being written; the next refresh takes it",
        )
        for p in sorted(young | changed)
        if p.exists()
    ]
    return [(p, first[p]) for p in rest if p not in changed], waiting


def _unfinished_name(name: str) -> str | None:
    if name.startswith("~$"):
        return "a name starting '~$' is Excel's sign that a file is open; not taken"
    if name.lower().endswith(".part"):
        return "a name ending '.part' means it is still being copied; not taken"
    return None


def _signature(path: Path) -> Signature | None:
    """A regular file's identity, size and times; None for anything else (or nothing)."""
    try:
        found = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(found.st_mode):
        return None
    return (found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)


def _take_one(
    path: Path, signature: Signature | None, loaded_by: str | None, today: date
) -> InboxFile:
    if signature is None:  # never opened: a folder, a broken link, a device or pipe
        return _refuse(path, path.name, [_e01(path.name, _not_a_file(path))])
    loading = paths.inbox_dir() / LOADING / path.name
    if path != loading:
        try:
            loading.parent.mkdir(exist_ok=True)
            os.rename(path, loading)
        except OSError as exc:
            return InboxFile(
                path.name,
                LEFT,
                path,
                f"could not be moved out of the inbox "
                f"({exc.strerror}); check the service may write to {path.parent}",
            )
    unreadable = _unreadable(loading)
    if unreadable:
        return _refuse(loading, path.name, [_e01(path.name, unreadable)])
    try:
        outcome = load_returns([loading], loaded_by=loaded_by, today=today).outcomes[0]
    except Exception as exc:  # the reader failing on this one file must not stop the others
        if _machine_failure(exc):
            os.rename(loading, _free(paths.inbox_dir(), path.name))  # taken again later
            raise
        failure = "".join(traceback.format_tb(exc.__traceback__)) + type(exc).__name__
        found = _e01(
            path.name,
            f"the file could not be read as a return (the reader stopped: "
            f"{type(exc).__name__}). Check it opens in Excel and follows the "
            "template, then send it again",
        )
        return _refuse(loading, path.name, [found], failure)
    if outcome.result.accepted:
        filed = _file(loading, path.name, LOADED)
        return InboxFile(
            path.name, LOADED, filed, _loaded_detail(outcome) + _changed_meanwhile(filed, signature)
        )
    return _refuse(loading, path.name, errors(outcome.result.findings))


def _refuse(path: Path, name: str, found: list[Finding], failure: str | None = None) -> InboxFile:
    """Put a refused file in refused/ with its reasons beside it, or delete it if it seems to
    hold child-level data (the reasons, which never repeat a value, are kept)."""
    folder = paths.inbox_dir() / REFUSED
    folder.mkdir(exist_ok=True)
    target = _free(folder, name)
    lines = [f.describe() for f in found]
    child_level = any(f.rule in CHILD_LEVEL_RULES for f in found)
    if child_level:
        lines.insert(
            0,
            f"{name} was deleted, not kept: it seems to hold information about "
            "individual children, which this service never keeps. Ask the sender "
            "to take it out and send the return again.",
        )
    errors_file = target.with_name(f"{target.name}.errors.txt")
    errors_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if child_level:
        path.unlink()
        where, outcome = None, DELETED
    else:
        os.rename(path, target)
        where, outcome = target, REFUSED
    detail = (
        f"{len(found)} error(s), rule(s) {', '.join(sorted({f.rule for f in found}))}; "
        f"see refused/{errors_file.name}"
    )
    return InboxFile(name, outcome, where, detail, failure)


def _file(path: Path, name: str, folder_name: str) -> Path:
    folder = paths.inbox_dir() / folder_name
    folder.mkdir(exist_ok=True)
    target = _free(folder, name)
    os.rename(path, target)
    return target


def _free(folder: Path, name: str) -> Path:
    """`name` in `folder`, or NAME.2.csv, NAME.3.csv, ... : the first that overwrites nothing
    (nor a refused file's errors). Only the refresh, under its lock, files into these folders."""
    suffix = Path(name).suffix
    stem = name[: -len(suffix)] if suffix else name
    number = 1
    while True:
        candidate = folder / (name if number == 1 else f"{stem}.{number}{suffix}")
        errors_file = folder / f"{candidate.name}.errors.txt"
        if not os.path.lexists(candidate) and not errors_file.exists():
            return candidate
        number += 1


def _unreadable(path: Path) -> str | None:
    try:
        with open(path, "rb") as f:
            f.read(1)
    except OSError as exc:
        return (
            f"the refresh could not read the file ({exc.strerror}). Make sure the service "
            "may read files dropped in the inbox, or send it again"
        )
    return None


def _not_a_file(path: Path) -> str:
    if path.is_dir():
        return "this is a folder, not a file. Put each return directly in the inbox"
    if path.is_symlink():
        return "this is a link to a file that is not there. Put the return itself in the inbox"
    return "this is not an ordinary file. Put the return itself in the inbox"


def _e01(name: str, message: str) -> Finding:
    return rules.unreadable(Location(name), message + ".")


def _machine_failure(exc: Exception) -> bool:
    """A full disk or a broken warehouse is not the file's fault."""
    if isinstance(exc, OSError) and exc.errno in SYSTEM_ERRNOS:
        return True
    return isinstance(exc, duckdb.IOException)


def _loaded_detail(outcome: FileOutcome) -> str:
    if outcome.already_loaded:
        return f"already loaded ({outcome.already_loaded}); nothing new"
    loaded = [
        f"{s.figure_count} figure(s) for {s.agency}, {s.area_code} {s.period} as "
        f"submission {s.submission_id}"
        + (f" (replaces submission {s.supersedes})" if s.supersedes else "")
        for s in outcome.submissions
    ]
    return "loaded " + "; ".join(loaded)


def _changed_meanwhile(path: Path, signature: Signature) -> str:
    """A writer still holding the file open could change it after the settle wait."""
    now = _signature(path)
    if now is None or now[1:3] == signature[1:3]:
        return ""
    return (
        ". It changed while it was being loaded: check these figures, and drop the "
        "finished file in the inbox again if they are wrong"
    )
