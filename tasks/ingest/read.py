"""Reading a delivered file, CSV or XLSX, into rows of text as a person sees them in their spreadsheet.

Everything becomes text here (an Excel date becomes `jjjj-mm-dd`, a whole number loses its `.0`), so
one set of parsers serves both formats; row numbers are those the person sees.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from kansenmonitor.safe_output import unneutralise

ZIP_MAGIC = b"PK\x03\x04"
SEPARATORS = ";,\t"
MAX_XLSX_EXPANSION = 100  # uncompressed / compressed: beyond this an XLSX is treated as a zip bomb
HEADER_SEARCH_ROWS = 30
CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
UNLIKELY_CP1252 = re.compile("[ƒ†‡ˆ‰Š‹ŒŽ˜š›œžŸ¡¢£¤¥¦¨ª¬\xad¯µ¶¸¹º¿]")
NON_ASCII = re.compile(r"[^\x00-\x7f]")
CSV_ERRORS = {
    "unexpected end of data": "een aanhalingsteken (\") wordt niet afgesloten",
    "field larger than field limit": "een cel is langer dan 131072 tekens",
}


class DeliveryRejected(Exception):
    """A file that cannot be read at all; the message says why, in plain Dutch."""


@dataclass
class Sheet:
    """The non-empty rows of a file, each with the row number the person sees."""

    name: str | None
    rows: list[list[str]]
    row_numbers: list[int]
    encoding: str | None = None
    separator: str | None = None
    header_index: int | None = None
    extra: dict = field(default_factory=dict)


def read_sheet(path: Path, sheet: str | None = None, max_bytes: int | None = None,
               max_rows: int | None = None) -> Sheet:
    """Read `path` (its first `max_rows` rows, if given) into text rows, or raise DeliveryRejected."""
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise DeliveryRejected(
            f"bestand is te groot: {size / 1e6:.1f} MB, de grens is {max_bytes / 1e6:.1f} MB"
        )
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith(ZIP_MAGIC):
        return _read_xlsx(path, sheet, max_bytes, max_rows)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise DeliveryRejected("bestand heet .xlsx maar is geen Excel-werkmap (geen geldig XLSX-bestand)")
    if max_rows is not None:
        with path.open("rb") as handle:
            head = handle.read(1 << 16)
        return _read_csv(head.rsplit(b"\n", 1)[0] if b"\n" in head else head, max_rows)
    return _read_csv(path.read_bytes())


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_bom(data):
        raise DeliveryRejected(
            "bestand is in UTF-16 opgeslagen; sla het op als CSV UTF-8 of CSV (gescheiden door puntkomma's)"
        )
    if b"\x00" in data:
        raise DeliveryRejected("bestand bevat binaire gegevens (NUL-tekens); dit is geen CSV- of XLSX-bestand")
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            text, encoding = "", None
    if encoding is None or (encoding == "cp1252" and _misdecoded(text)):
        raise DeliveryRejected("onbekende tekencodering; lever het bestand aan als UTF-8 of Windows-1252")
    control = CONTROL.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        raise DeliveryRejected(
            f"bestand bevat een stuurteken (U+{ord(control.group()):04X}) op regel {line}; "
            "dit is geen leesbaar CSV-bestand of het is beschadigd"
        )
    return text, encoding


def _utf16_without_bom(data: bytes) -> bool:
    """Text saved as UTF-16 without a byte order mark: every other byte of its ASCII is NUL."""
    sample = data[:4096]
    return len(sample) >= 8 and (sample[1::2].count(0) > 0.9 * (len(sample) // 2)
                                 or sample[0::2].count(0) > 0.9 * (len(sample) // 2))


def _misdecoded(text: str) -> bool:
    """Another single-byte encoding (Central European, Cyrillic, Japanese) read as Windows-1252 shows
    symbols that Dutch exports do not contain; a few stray ones are tolerated."""
    foreign = len(UNLIKELY_CP1252.findall(text))
    return foreign >= 3 and foreign > 0.2 * len(NON_ASCII.findall(text))


def _separator(text: str) -> str:
    sample = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS])
    try:
        return csv.Sniffer().sniff(sample, delimiters=SEPARATORS).delimiter
    except csv.Error:
        counts = {sep: sample.count(sep) for sep in SEPARATORS}
        return max(counts, key=counts.get)


def _read_csv(data: bytes, max_rows: int | None = None) -> Sheet:
    text, encoding = _decode(data)
    separator = _separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    rows, numbers, row = [], [], 1  # rows as Excel numbers them: a cell's line breaks do not start a new row
    try:
        for record in reader:
            cells = [unneutralise(cell.strip()) for cell in record]
            if any(cells):
                rows.append(cells)
                numbers.append(row)
            row += 1
            if max_rows is not None and len(rows) >= max_rows:
                break
    except csv.Error as exc:
        why = next((dutch for english, dutch in CSV_ERRORS.items() if str(exc).startswith(english)), str(exc))
        raise DeliveryRejected(f"CSV kan niet worden gelezen vanaf rij {row}: {why}") from None
    return Sheet(None, _trim_columns(rows), numbers, encoding=encoding, separator=separator)


def _check_zip(path: Path, max_bytes: int | None) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile:
        raise DeliveryRejected("bestand is geen geldig XLSX-bestand (beschadigde zip)") from None
    packed = max(sum(i.compress_size for i in infos), 1)
    unpacked = sum(i.file_size for i in infos)
    limit = (max_bytes or 50_000_000) * MAX_XLSX_EXPANSION
    if unpacked > limit or unpacked / packed > MAX_XLSX_EXPANSION:
        raise DeliveryRejected(
            f"XLSX pakt uit tot {unpacked / 1e6:.0f} MB uit {packed / 1e6:.1f} MB; "
            "dit lijkt een zip-bom en wordt niet gelezen"
        )


def _read_xlsx(path: Path, sheet: str | None, max_bytes: int | None, max_rows: int | None = None) -> Sheet:
    _check_zip(path, max_bytes)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken workbook
        raise DeliveryRejected(f"XLSX kan niet worden geopend: {type(exc).__name__}: {exc}") from None
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise DeliveryRejected(
                f"werkblad '{sheet}' bestaat niet; de werkmap heeft: {', '.join(workbook.sheetnames)}"
            )
        worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
        rows, numbers = [], []
        for number, values in enumerate(worksheet.iter_rows(values_only=True, max_row=max_rows), start=1):
            cells = [cell_text(v) for v in values]
            if any(cells):
                rows.append(cells)
                numbers.append(number)
        return Sheet(worksheet.title, _trim_columns(rows), numbers)
    except DeliveryRejected:
        raise
    except Exception as exc:  # a damaged sheet inside a sound zip fails only while its rows are read
        raise DeliveryRejected(f"XLSX kan niet worden gelezen: {type(exc).__name__}: {exc}") from None
    finally:
        workbook.close()


def cell_text(value: object) -> str:
    """An XLSX cell as the text the parsers read: dates ISO, whole numbers without `.0`."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "ja" if value else "nee"
    return str(value).strip()


def _trim_columns(rows: list[list[str]]) -> list[list[str]]:
    """Drop empty trailing columns and pad ragged rows so every row has the same width."""
    width = max((max((i + 1 for i, c in enumerate(r) if c), default=0) for r in rows), default=0)
    return [(r + [""] * width)[:width] if len(r) < width else r[:width] for r in rows]
