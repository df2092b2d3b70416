"""Reading an organisation's own risk register (CSV or XLSX) into the contract's Row fields.

Real registers name their columns in many ways ("Likelihood", "Risk Owner", "P x I"); the
headers are matched to our fields, and every problem names the row and the column.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

FIELDS = {
    "id": ["id", "risk id", "ref", "risk ref", "reference", "risk no", "risk number", "no", "#"],
    "title": ["title", "risk title", "risk", "name", "risk name", "summary"],
    "description": ["description", "risk description", "details", "detail", "cause event effect"],
    "category": ["category", "type", "risk category", "area"],
    "probability": ["probability", "likelihood", "p", "prob", "probability 1-5", "likelihood 1-5"],
    "impact": ["impact", "i", "severity", "consequence", "impact 1-5"],
    "score": ["score", "rating", "risk score", "p x i", "pxi", "p*i", "exposure", "risk rating"],
    "owner": ["owner", "risk owner", "owned by"],
    "response": ["response", "strategy", "response strategy", "treatment", "response type"],
    "actions": ["actions", "action", "mitigation", "mitigating actions", "response actions",
                "action plan", "mitigations", "actions and actionees"],
    "status": ["status", "state"],
    "nature": ["threat/opportunity", "threat or opportunity", "threat / opportunity", "t/o", "risk type",
               "nature", "threat opportunity", "upside/downside"],
    "last_reviewed": ["last reviewed", "review date", "last review", "reviewed", "last updated",
                      "date reviewed", "last review date"],
}
REQUIRED = ("title", "probability", "impact", "owner")
SCALE_WORDS = {"very low": 1, "rare": 1, "low": 2, "unlikely": 2, "medium": 3, "possible": 3,
               "moderate": 3, "high": 4, "likely": 4, "very high": 5, "almost certain": 5, "certain": 5}
MONTHS = {m: n for n, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
MAX_ROWS = 2000
MAX_COLUMNS = 60
MAX_SCANNED_ROWS = 20000
MAX_UNPACKED = 64 * 2**20  # a workbook's parts unzipped; a real register is a few MB at most
MAX_SCORE = 10_000  # far above any scale's top (a 10 x 10 scale scores 100)


class RegisterError(Exception):
    """A register that cannot be read; the message says where and what."""


@dataclass
class RegisterRow:
    line: int  # row number in the file, for messages
    id: str
    title: str
    description: str = ""
    category: str = ""
    probability: int | None = None
    impact: int | None = None
    score: int | None = None
    owner: str = ""
    response: str = ""
    actions: str = ""
    status: str = "open"
    last_reviewed: dt.date | None = None
    nature: str = ""

    @property
    def opportunity(self) -> bool:
        """A positive risk, as registers mark it: a threat/opportunity column, the category, or the title."""
        return "opportun" in f"{self.nature} {self.category}".lower() or self.title.lower().startswith("opportunity")


def _norm(header: object) -> str:
    return re.sub(r"[\s_]+", " ", str(header or "").strip().lower()).strip(" :")


def parse_date(value: object) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if m:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2,4})", text)  # UK order: day/month/year
    if m:
        year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
        return dt.date(year, int(m[2]), int(m[1]))
    m = re.fullmatch(r"(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?\s+(\d{4})", text)
    if m and m[2].lower() in MONTHS:
        return dt.date(int(m[3]), MONTHS[m[2].lower()], int(m[1]))
    raise ValueError(f"'{text}' is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def _scale(value: object, field: str, top: int = 5) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).strip().lower()
    if text in SCALE_WORDS and top == 5:  # "High" means 4 only on a five-point scale
        return SCALE_WORDS[text]
    try:
        n = float(text)
    except ValueError:
        raise ValueError(f"{field} '{str(value)[:40]}' is not a number from 1 to {top}") from None
    if not (1 <= n <= top and n == int(n)):
        raise ValueError(f"{field} {str(value)[:40]} is outside 1 to {top}")
    return int(n)


def _score(value: object) -> int | None:
    if value in (None, ""):
        return None
    try:
        n = float(str(value).strip())
        score = int(n)  # OverflowError for "inf" or "1e400", ValueError for "nan"
    except (ValueError, OverflowError):
        raise ValueError(f"score '{str(value)[:40]}' is not a number") from None
    if abs(score) > MAX_SCORE:
        raise ValueError(f"score {str(value)[:40]} is not a risk score (at most {MAX_SCORE})")
    return score


def _check_unpacked_size(name: str, data: bytes) -> None:
    """An .xlsx is a zip: a small upload could unpack to gigabytes (a zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile:
        raise RegisterError(f"{name}: not a readable Excel workbook (not a zip file)") from None
    if unpacked > MAX_UNPACKED:
        raise RegisterError(f"{name}: the workbook unpacks to {unpacked // 2**20} MB; "
                            "save just the register sheet in a new workbook and try again")


def _sheet_rows(sheet) -> list[list[object]]:
    rows: list[list[object]] = []
    for n, r in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)):
        if n >= MAX_SCANNED_ROWS:  # formatting can stretch a sheet to a million empty rows
            break
        if any(str(c or "").strip() for c in r):
            rows.append(list(r))
            if len(rows) > MAX_ROWS + 1:  # enough to say the register is too long
                break
    return rows


def _table(name: str, data: bytes) -> list[list[object]]:
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        _check_unpacked_size(name, data)
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            return _sheet_rows(book.worksheets[0])
        except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
            raise RegisterError(f"{name}: not a readable Excel workbook ({e.__class__.__name__})") from None
    if suffix in (".csv", ".txt"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows
        if "\0" in text:
            raise RegisterError(f"{name}: not a text file (is it a workbook saved with a .csv name?)")
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        try:
            return [row for row in csv.reader(io.StringIO(text), dialect)]
        except csv.Error as e:
            raise RegisterError(f"{name}: not a readable CSV file ({e})") from None
    raise RegisterError(f"{name}: expected a .csv or .xlsx file")


def read_register(path: Path | str, scales: tuple[int, int] = (5, 5)) -> list[RegisterRow]:
    path = Path(path)
    if not path.is_file():
        raise RegisterError(f"{path}: no such file")
    return parse_register(path.name, path.read_bytes(), scales)


def parse_register(name: str, data: bytes, scales: tuple[int, int] = (5, 5)) -> list[RegisterRow]:
    """A register from a file's name (for its type) and bytes: an upload, or a file on disk.
    `scales`: the tops of the organisation's probability and impact scales."""
    path = Path(name)  # only its name is used, in messages
    table = [r for r in _table(name, data) if any(str(c or "").strip() for c in r)]
    if not table:
        raise RegisterError(f"{path.name}: the file is empty")
    headers = [_norm(h) for h in table[0]]
    columns: dict[str, int] = {}
    for field, names in FIELDS.items():
        for i, h in enumerate(headers):
            if h in names and field not in columns:
                columns[field] = i
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        raise RegisterError(
            f"{path.name}: no column for {', '.join(missing)} (headers found: "
            f"{', '.join(h for h in headers if h) or 'none'})"
        )
    if len(table) - 1 > MAX_ROWS:
        raise RegisterError(f"{path.name}: {len(table) - 1} rows; at most {MAX_ROWS} are read")
    rows: list[RegisterRow] = []
    problems: list[str] = []
    for n, raw in enumerate(table[1:], start=2):
        cell = lambda f: raw[columns[f]] if f in columns and columns[f] < len(raw) else None  # noqa: E731
        text = lambda f: str(cell(f) or "").strip()  # noqa: E731
        try:
            row = RegisterRow(
                line=n,
                id=text("id") or f"R{n - 1}",
                title=text("title"),
                description=text("description"),
                category=text("category"),
                probability=_scale(cell("probability"), "probability", scales[0]),
                impact=_scale(cell("impact"), "impact", scales[1]),
                score=_score(cell("score")),
                owner=text("owner"),
                response=text("response").lower(),
                actions=text("actions"),
                status=(text("status") or "open").lower(),
                last_reviewed=parse_date(cell("last_reviewed")),
                nature=text("nature"),
            )
        except ValueError as e:
            problems.append(f"row {n}: {e}")
            continue
        rows.append(row)
    if problems:
        raise RegisterError(f"{path.name}: " + "; ".join(problems[:10]))
    return rows
