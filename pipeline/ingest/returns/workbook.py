"""Read an Excel workbook (.xlsx) part by part, ourselves, so that nothing in it goes unseen.

openpyxl's fast reader trusts each sheet's declared size (`<dimension>`): a tiny file declaring
A1:XFD1048576 made it build billions of empty cells, and cells written beyond the declared size
were never read, so the privacy rule never saw them. Here a workbook is a zip of XML parts read
with a streaming parser: every cell actually written on every sheet (hidden or not) is read,
wherever it is, and nothing else is invented. Reading stops as soon as a limit of the return
contract is passed (unzipped size, number of parts, cells), so any file costs bounded time and
memory. Parts a return never needs (macros, comments, drawings, embedded files...) refuse the
file before any of its cells are read, and text outside the cells (page headers and footers,
defined names, document properties) is gathered for the privacy rule.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from posixpath import join, normpath
from xml.parsers import expat

from pipeline.ingest.returns import rules
from pipeline.ingest.returns.contract import (
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_PARTS,
    MAX_UNCOMPRESSED_BYTES,
)
from pipeline.ingest.returns.findings import Finding, Location

# Parts an ordinary workbook saved by Excel or LibreOffice holds. Anything else is refused.
ALLOWED_PARTS = re.compile(
    r"^(\[Content_Types\]\.xml|_rels/\.rels|docProps/(app|core|custom)\.xml|"
    r"docProps/thumbnail\.(jpeg|jpg|png|wmf|emf)|"
    r"xl/(workbook|styles|sharedStrings|calcChain|metadata)\.xml|xl/_rels/workbook\.xml\.rels|"
    r"xl/theme/theme\d+\.xml|xl/worksheets/sheet\d+\.xml|"
    r"xl/worksheets/_rels/sheet\d+\.xml\.rels|xl/printerSettings/printerSettings\d+\.bin)$",
    re.IGNORECASE,
)
# Why a part a return never needs is refused, in words an analyst knows (first match wins).
REFUSED_PARTS = [
    (
        re.compile(r"vbaProject|vbaData|\.bin$|activeX|macrosheets|dialogsheets", re.I),
        "macros or controls",
        "copy the figures into a fresh template (an .xlsx never has macros)",
    ),
    (
        re.compile(r"comments|threadedComments|persons|vmlDrawing", re.I),
        "comments or notes",
        "delete every comment and note (Review > Delete)",
    ),
    (
        re.compile(r"embeddings|oleObject", re.I),
        "an embedded file",
        "delete the embedded file or object",
    ),
    (
        re.compile(r"drawings|media|charts|diagrams|chartsheets", re.I),
        "pictures, charts, shapes or text boxes",
        "delete them",
    ),
    (re.compile(r"pivot", re.I), "a pivot table", "delete the pivot table and its sheet"),
    (
        re.compile(r"externalLink|connections|queryTables", re.I),
        "links to other files or data sources",
        "remove the links (Data > Edit Links > Break Link)",
    ),
    (
        re.compile(r"tables/", re.I),
        "an Excel table",
        "convert it to a range (Table > Convert to Range)",
    ),
]
SHEET_XML = re.compile(r"^xl/worksheets/sheet\d+\.xml$", re.I)
CELL_REF = re.compile(r"^([A-Z]{1,3})(\d{1,7})$")
# A defined name that only points at cells ('Lists'!$A$1:$A$20), as the template's lists do.
REFERENCE = re.compile(r"^=?('[^']+'|[\w.]+)!\$?[A-Z]{1,3}\$?\d+(:\$?[A-Z]{1,3}\$?\d+)?$")
HEADER_FOOTER = {"oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter"}
# Excel's header codes (&P page number, &D date, &"Arial,Bold" font...) hold no text of their own.
HEADER_CODES = re.compile(r'&("[^"]*"|\d+|[A-Za-z&+\-])')
BUILTIN_DATE_FORMATS = (
    set(range(14, 23)) | set(range(45, 48)) | set(range(27, 37)) | set(range(50, 59))
)


class WorkbookRefused(Exception):
    """The workbook cannot be read, or holds something a return never holds."""

    def __init__(
        self,
        rule: Callable[[Location, str], Finding],
        message: str,
        location: Location | None = None,
    ):
        """`rule`: the function that raises the rule broken (pipeline/ingest/returns/rules.py)."""
        super().__init__(message)
        self.rule, self.message, self.location = rule, message, location


@dataclass
class Sheet:
    title: str
    hidden: bool
    cells: dict[tuple[int, int], object] = field(default_factory=dict)  # (row, column) -> value


@dataclass
class Workbook:
    sheets: list[Sheet]
    # Text outside the cells (page headers, defined names, document properties), with where.
    other_text: list[tuple[Location, str]]
    problems: list[Finding]  # findings met while reading that do not stop it


class _Budget:
    """Counts what has been unzipped and read, and stops the read when a limit is passed."""

    def __init__(self, file_name: str):
        self.file_name, self.unzipped, self.cells = file_name, 0, 0

    def take_bytes(self, count: int) -> None:
        self.unzipped += count
        if self.unzipped > MAX_UNCOMPRESSED_BYTES:
            raise WorkbookRefused(
                rules.over_limit,
                f"the workbook unzips to more than "
                f"{MAX_UNCOMPRESSED_BYTES // 2**20} MB, far more than a "
                "quarterly return needs. Copy the figures into a fresh "
                "template and send that.",
            )

    def take_cell(self) -> None:
        self.cells += 1
        if self.cells > MAX_CELLS:
            raise WorkbookRefused(
                rules.over_limit,
                f"the workbook has more than {MAX_CELLS:,} cells "
                "(counting every sheet, hidden or not), far more than a "
                "quarterly return needs. Copy the figures into a fresh "
                "template and send that.",
            )


def read_workbook(file_name: str, content: bytes) -> Workbook:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _unreadable() from None
    with archive:
        names = _check_parts(archive)
        budget = _Budget(file_name)
        try:
            return _read_parts(file_name, archive, names, budget)
        except (
            zipfile.BadZipFile,
            expat.ExpatError,
            KeyError,
            ValueError,
            OSError,
            EOFError,
            NotImplementedError,  # zipfile's answer to a compression method it cannot read
            RuntimeError,
        ):
            raise _unreadable() from None


def _unreadable() -> WorkbookRefused:
    return WorkbookRefused(
        rules.unreadable,
        "the file is not a readable Excel workbook (.xlsx). Open it in "
        "Excel, save it as an .xlsx workbook and send it again.",
    )


def _check_parts(archive: zipfile.ZipFile) -> set[str]:
    """Refuse before reading anything when the zip holds a part a return never needs."""
    infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        raise WorkbookRefused(
            rules.over_limit,
            f"the workbook holds {len(infos):,} parts, far more than a "
            "quarterly return needs. Copy the figures into a fresh template "
            "and send that.",
        )
    names = [i.filename for i in infos if not i.filename.endswith("/")]
    if len(set(names)) != len(names):
        raise _unreadable()
    for name in names:
        if ALLOWED_PARTS.match(name):
            continue
        what = f"a part a return never needs ({name})"
        action = "copy the figures into a fresh template"
        for pattern, kind, remedy in REFUSED_PARTS:
            if pattern.search(name):
                what, action = kind, remedy
                break
        raise WorkbookRefused(
            rules.not_cells_only,
            f"the workbook holds {what}. A return holds figures in "
            f"cells only: {action}, save it and send it again.",
        )
    return set(names)


def _read_parts(
    file_name: str, archive: zipfile.ZipFile, names: set[str], budget: _Budget
) -> Workbook:
    other_text: list[tuple[Location, str]] = []
    problems: list[Finding] = []
    book = _WorkbookPart(file_name, other_text)
    _parse(archive, "xl/workbook.xml", book, budget)
    targets = _relationships(archive, "xl/_rels/workbook.xml.rels", budget)
    strings = _SharedStrings()
    if "xl/sharedStrings.xml" in names:
        _parse(archive, "xl/sharedStrings.xml", strings, budget)
    styles = _Styles()
    if "xl/styles.xml" in names:
        _parse(archive, "xl/styles.xml", styles, budget)
    for part in ("docProps/core.xml", "docProps/app.xml", "docProps/custom.xml"):
        if part in names:
            texts = _Texts()
            _parse(archive, part, texts, budget)
            other_text += [
                (Location(file_name, None, None, "document properties"), t) for t in texts.found
            ]
    sheets = []
    for title, hidden, relation in book.sheets:
        part = normpath(join("xl", targets.get(relation, ""))).lstrip("/")
        if part not in names or not SHEET_XML.match(part):
            raise _unreadable()
        reader = _SheetPart(
            file_name, title, strings.values, styles, book.date1904, budget, problems, other_text
        )
        _parse(archive, part, reader, budget)
        sheets.append(Sheet(title, hidden, reader.cells))
    if not sheets:
        raise _unreadable()
    return Workbook(sheets, other_text, problems)


def _parse(archive: zipfile.ZipFile, part: str, handler: _Handler, budget: _Budget) -> None:
    """Stream one part through expat, counting every unzipped byte; a DTD is refused (no
    workbook has one, and entity definitions are how XML bombs work)."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = lambda name, attrs: handler.start(
        _local(name), {_local(k): v for k, v in attrs.items()}
    )
    parser.EndElementHandler = lambda name: handler.end(_local(name))
    parser.CharacterDataHandler = handler.text

    def no_dtd(*_):
        raise _unreadable()

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    with archive.open(part) as stream:
        while chunk := stream.read(1 << 16):
            budget.take_bytes(len(chunk))
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1]


def _relationships(archive: zipfile.ZipFile, part: str, budget: _Budget) -> dict[str, str]:
    rels = _Rels()
    _parse(archive, part, rels, budget)
    return rels.targets


class _Handler:
    def start(self, name: str, attrs: dict[str, str]) -> None:
        pass

    def end(self, name: str) -> None:
        pass

    def text(self, data: str) -> None:
        pass


class _Rels(_Handler):
    def __init__(self):
        self.targets: dict[str, str] = {}

    def start(self, name, attrs):
        if name == "Relationship":
            target = attrs.get("Target", "")
            # An absolute target (/xl/worksheets/sheet1.xml) is relative to the package root.
            self.targets[attrs.get("Id", "")] = "/" + target if target.startswith("/") else target


class _Texts(_Handler):
    """Every piece of text in a part, but the dates Excel stamps on every file itself."""

    STAMPS = {"created", "modified", "lastPrinted"}

    def __init__(self):
        self.found: list[str] = []
        self._element = ""

    def start(self, name, attrs):
        self._element = name

    def text(self, data):
        if data.strip() and self._element not in self.STAMPS:
            self.found.append(data.strip())


class _WorkbookPart(_Handler):
    """Sheets in order (title, hidden, relationship id), defined names and the date system."""

    def __init__(self, file_name: str, other_text: list):
        self.file_name, self.other_text = file_name, other_text
        self.sheets: list[tuple[str, bool, str]] = []
        self.date1904 = False
        self._name: str | None = None
        self._text: list[str] = []

    def start(self, name, attrs):
        if name == "sheet":
            self.sheets.append(
                (
                    attrs.get("name", ""),
                    attrs.get("state", "visible") != "visible",
                    attrs.get("id", ""),
                )
            )
        elif name == "workbookPr":
            self.date1904 = attrs.get("date1904", "0") in ("1", "true")
        elif name == "definedName":
            self._name, self._text = attrs.get("name", ""), []

    def text(self, data):
        if self._name is not None:
            self._text.append(data)

    def end(self, name):
        if name == "definedName" and self._name is not None:
            value = "".join(self._text).strip()
            if not REFERENCE.match(value) and not self._name.startswith("_xlnm."):
                raise WorkbookRefused(
                    rules.not_cells_only,
                    "the workbook has a defined name that holds text "
                    "or a formula, not a range of cells. A return holds "
                    "figures in cells only: delete the name (Formulas > Name "
                    "Manager) and send it again.",
                )
            self.other_text.append((Location(self.file_name, None, None, "a defined name"), value))
            self._name = None


class _SharedStrings(_Handler):
    """The workbook's table of text; phonetic guides (rPh) are not part of the text."""

    def __init__(self):
        self.values: list[str] = []
        self._parts: list[str] = []
        self._in_t = self._in_phonetic = False

    def start(self, name, attrs):
        if name == "si":
            self._parts = []
        elif name == "rPh":
            self._in_phonetic = True
        elif name == "t":
            self._in_t = True

    def text(self, data):
        if self._in_t and not self._in_phonetic:
            self._parts.append(data)

    def end(self, name):
        if name == "t":
            self._in_t = False
        elif name == "rPh":
            self._in_phonetic = False
        elif name == "si":
            self.values.append("".join(self._parts))


class _Styles(_Handler):
    """Which cell styles show a number as a date (so a date of birth is seen as a date)."""

    def __init__(self):
        self.custom: dict[int, str] = {}
        self.date_styles: set[int] = set()
        self._in_xfs = False
        self._count = 0

    def start(self, name, attrs):
        if name == "numFmt":
            self.custom[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
        elif name == "cellXfs":
            self._in_xfs = True
        elif name == "xf" and self._in_xfs:
            number_format = int(attrs.get("numFmtId", "0"))
            if _is_date_format(number_format, self.custom):
                self.date_styles.add(self._count)
            self._count += 1

    def end(self, name):
        if name == "cellXfs":
            self._in_xfs = False


def _is_date_format(number_format: int, custom: dict[int, str]) -> bool:
    from openpyxl.styles.numbers import is_date_format

    if number_format in custom:
        return is_date_format(custom[number_format])
    return number_format in BUILTIN_DATE_FORMATS


class _SheetPart(_Handler):
    """Every cell written in a sheet, wherever it is: the declared dimension is ignored."""

    def __init__(self, file_name, title, strings, styles, date1904, budget, problems, other_text):
        self.file_name, self.title, self.strings, self.styles = file_name, title, strings, styles
        self.date1904, self.budget = date1904, budget
        self.problems, self.other_text = problems, other_text
        self.cells: dict[tuple[int, int], object] = {}
        self._row, self._column = 0, 0
        self._cell: dict[str, str] | None = None
        self._value: list[str] = []
        self._inline: list[str] = []
        self._formula = False
        self._in = ""  # v, t (inline text), or a header/footer element
        self._phonetic = False  # inside a phonetic guide, which is not the cell's text
        self._in_sheet_data = False
        self._text: list[str] = []

    def start(self, name, attrs):
        if name == "sheetData":
            self._in_sheet_data = True
        elif name == "row":
            self._row = int(attrs["r"]) if "r" in attrs else self._row + 1
            self._column = 0
        elif name == "c":
            self.budget.take_cell()
            self._cell, self._value, self._inline, self._formula = attrs, [], [], False
        elif name == "f" and self._cell is not None:
            self._formula = True
        elif name == "rPh":
            self._phonetic = True
        elif name in ("v", "t") or name in HEADER_FOOTER:
            self._in = name
            self._text = []

    def text(self, data):
        if self._in == "v":
            self._value.append(data)
        elif self._in == "t" and self._cell is not None and not self._phonetic:
            self._inline.append(data)
        elif self._in in HEADER_FOOTER:
            self._text.append(data)
        elif not self._in_sheet_data and data.strip():
            # Data validation lists, conditional formats and the like can hold text too.
            self.other_text.append((Location(self.file_name, self.title), data.strip()))

    def end(self, name):
        if name in ("v", "t"):
            self._in = ""
        elif name == "rPh":
            self._phonetic = False
        elif name in HEADER_FOOTER:
            self._in = ""
            if HEADER_CODES.sub("", "".join(self._text)).strip():
                raise WorkbookRefused(
                    rules.not_cells_only,
                    "the sheet's page header or footer holds text. A "
                    "return holds figures in cells only: remove the header "
                    "and footer (Page Layout > Header & Footer) and send it "
                    "again.",
                    Location(self.file_name, self.title),
                )
        elif name == "sheetData":
            self._in_sheet_data = False
        elif name == "c" and self._cell is not None:
            self._finish_cell()
            self._cell = None

    def _finish_cell(self) -> None:
        attrs = self._cell
        row, column = self._position(attrs.get("r"))
        where = Location(self.file_name, self.title, row, letter(column))
        kind, raw = attrs.get("t", "n"), "".join(self._value)
        if self._formula and not raw and kind != "inlineStr":
            self.problems.append(
                rules.formula_without_result(
                    where,
                    "this cell has a formula but no saved result, so "
                    "its figure cannot be read. Open the file in Excel, let it calculate, save it "
                    "and send it again (or type the figure in).",
                )
            )
            return
        value = self._value_of(kind, raw, attrs.get("s"))
        if value is None or value == "":
            return
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            raise WorkbookRefused(
                rules.over_limit,
                f"a cell holds more than {MAX_CELL_CHARS:,} characters. "
                "Write a shorter note: a return holds figures and short "
                "notes only.",
                where,
            )
        self.cells[(row, column)] = value

    def _position(self, ref: str | None) -> tuple[int, int]:
        match = CELL_REF.match(ref or "")
        if match:
            self._column = _column_number(match.group(1))
            self._row = int(match.group(2))
        else:
            self._column += 1
        if not (1 <= self._row <= 1_048_576 and 1 <= self._column <= 16_384):
            raise _unreadable()
        return self._row, self._column

    def _value_of(self, kind: str, raw: str, style: str | None) -> object:
        if kind == "s":
            return self.strings[int(raw)] if raw else None
        if kind == "inlineStr":
            return "".join(self._inline)
        if kind in ("str", "e"):
            return raw
        if kind == "b":
            return raw.strip() in ("1", "true")
        if kind == "d":
            return datetime.fromisoformat(raw.strip()) if raw.strip() else None
        if not raw.strip():
            return None
        number = float(raw) if any(c in raw for c in ".eE") else int(raw)
        if style and int(style) in self.styles.date_styles:
            from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

            try:
                return from_excel(
                    number, CALENDAR_MAC_1904 if self.date1904 else CALENDAR_WINDOWS_1900
                )
            except (ValueError, OverflowError):
                return number
        return number


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def letter(number: int) -> str:
    """Column 1 -> A, 28 -> AB."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
