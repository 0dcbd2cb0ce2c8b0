"""The archive of accepted return files (data/archive/), and the provenance kept beside each.

Every accepted file is kept unchanged, named by its SHA-256 hash. Beside it, NAME.provenance.json
records what the load made of it: the file's original name, who loaded it and when, and each
submission it gave (its id, agency, area, period, the submission it supersedes, its figures and
its queries). The warehouse's raw tables can therefore be rebuilt from the archive alone, in the
same order and with the same corrections current (pipeline/publish/backup.py), without reading the
files again with today's rules.

A load writes its files before it commits, so a load killed in between could leave files no
committed load recorded. Before writing anything, a load lists what it is about to write in
archive/.unfinished/; the next load removes whatever such a list names that the warehouse does
not record, so nothing else in the archive is ever touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipeline.core import paths

PROVENANCE_SUFFIX = ".provenance.json"
PROVENANCE_FORMAT = 1
UNFINISHED = ".unfinished"


@dataclass
class Provenance:
    """What one load made of one archived file (the JSON beside it)."""

    archived_as: str
    file_hash: str
    file_name: str
    file_format: str
    loaded_at: datetime
    loaded_by: str
    submissions: list[dict]  # submission_id, agency, area_code, period, supersedes,
    #                          figure_count, figures (rows), queries (rows)

    def as_json(self) -> str:
        record = {
            "format": PROVENANCE_FORMAT,
            **vars(self),
            "loaded_at": self.loaded_at.isoformat(),
        }
        return json.dumps(record, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Provenance:
        record = json.loads(text)
        record.pop("format", None)
        record["loaded_at"] = datetime.fromisoformat(record["loaded_at"])
        return cls(**record)


def archived_name(file_hash: str, suffix: str) -> str:
    """Where a file is kept, relative to the archive: by its hash, so it is found again."""
    return (Path(file_hash[:2]) / f"{file_hash}{suffix.lower()}").as_posix()


def provenance_path(archived_as: str) -> Path:
    return paths.archive_dir() / f"{archived_as}{PROVENANCE_SUFFIX}"


def announce(names: list[str]) -> Path:
    """Before a load writes into the archive: the list of what it may write, so a load killed
    before committing can be cleaned up by the next one."""
    folder = paths.archive_dir() / UNFINISHED
    folder.mkdir(parents=True, exist_ok=True)
    notice = folder / f"load-{os.getpid()}-{secrets.token_hex(4)}.json"
    _write_atomically(notice, json.dumps(sorted(names)).encode())
    return notice


def keep(archived_as: str, content: bytes, provenance: Provenance) -> None:
    """Write the file (unless an identical copy is there) and its provenance, each complete
    or not at all. Only after `announce` named it."""
    target = paths.archive_dir() / archived_as
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        _write_atomically(target, content)
    write_provenance(provenance)


def write_provenance(provenance: Provenance) -> None:
    record = provenance_path(provenance.archived_as)
    record.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(record, provenance.as_json().encode())


def finished(notice: Path) -> None:
    notice.unlink(missing_ok=True)


def clear_unfinished(recorded: Callable[[], set[str]]) -> list[Path]:
    """Remove what killed loads wrote and never committed: every file an unfinished load
    announced that the warehouse does not record (`recorded()`: archived_as of every
    submission, asked only when there is a notice), with its provenance and any half-written
    copy. Call it holding the warehouse, so no load is under way. Returns what was removed."""
    folder = paths.archive_dir() / UNFINISHED
    if not folder.is_dir():
        return []
    for torn in folder.glob("*.partial"):  # a notice cut short: its load wrote nothing after
        torn.unlink(missing_ok=True)
    notices = sorted(folder.glob("load-*.json"))
    if not notices:
        return []
    in_warehouse = recorded()
    removed = []
    for notice in notices:
        try:
            names = json.loads(notice.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            names = []  # cut short while it was written: the load wrote nothing after it
        for name in names:
            if name in in_warehouse:
                continue
            target = paths.archive_dir() / name
            for path in (
                target,
                provenance_path(name),
                _partial(target),
                _partial(provenance_path(name)),
            ):
                if path.exists():
                    path.unlink()
                    removed.append(path)
        notice.unlink(missing_ok=True)
    return removed


def provenance_records() -> list[Provenance]:
    """Every provenance record in the archive, in no particular order."""
    return [
        Provenance.from_json(p.read_text(encoding="utf-8"))
        for p in paths.archive_dir().glob(f"??/*{PROVENANCE_SUFFIX}")
    ]


def file_hash_of(archived_as: str) -> str | None:
    """The SHA-256 of the archived copy as it is now (None if it is missing)."""
    target = paths.archive_dir() / archived_as
    return hashlib.sha256(target.read_bytes()).hexdigest() if target.is_file() else None


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def _write_atomically(path: Path, content: bytes) -> None:
    """Write beside the target, flush to disk, then rename: the target is whole or absent."""
    temporary = _partial(path)
    try:
        with open(temporary, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:  # a full disk must not leave a half-written copy behind
        temporary.unlink(missing_ok=True)
        raise
