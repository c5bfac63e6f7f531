"""Reading a delivered file, CSV or XLSX, into rows of text as a person sees them in their spreadsheet.

Everything becomes text here (an Excel date becomes `jjjj-mm-dd`, a whole number loses its `.0`), so
one set of parsers serves both formats; row numbers are those the person sees.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import os
import re
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import python_calamine
from charset_normalizer import from_bytes
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

from kansenmonitor.config import Config
from kansenmonitor.safe_output import unneutralise

ZIP_MAGIC = b"PK\x03\x04"
SEPARATORS = ";,\t"
MAX_XLSX_EXPANSION = 100  # uncompressed / compressed: beyond this an XLSX is treated as a zip bomb
HEADER_SEARCH_ROWS = 30
# Far below what calamine reads of sheet XML per second on a slow machine: a sheet it reads whole within the limit.
CALAMINE_BYTES_PER_SECOND = 5_000_000
# What only openpyxl's parser reads as today: a cell's formula (with or without a namespace prefix; one nobody
# computed must be named) and an error value such as #N/A (calamine leaves it empty).
OPENPYXL_ONLY = re.compile(rb"<(?:[A-Za-z0-9_]+:)?f[\s>/]|\st=[\"']e[\"']")
CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A character of two to four bytes as UTF-8 writes it; a single-byte encoding rarely produces one by chance.
UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
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
    workbook: bool = False  # an XLSX, whose numbers in date columns are Excel's own dates
    uncached: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, position) -> cell: formula not computed


def read_limits(config: Config) -> dict:
    """What parsing one delivery may cost, from the configuration (`parse_sheet`'s bounds)."""
    return dict(max_unpacked_bytes=int(config.max_unpacked_mb * 1_000_000), max_seconds=config.max_read_seconds)


@dataclass
class Contents:
    """A delivery as read from disk, in one go: its checksum, its size and (within the size allowed) its bytes."""

    sha256: str
    size: int
    data: bytes | None  # None when the file is larger than allowed: hashed in blocks, never held


def read_file(path: Path, max_bytes: int | None = None) -> Contents:
    """The one place a delivery is opened: its checksum and bytes in a single read, which every later step
    (recognising, validating, the ledger) works from; a file over `max_bytes` is only hashed."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if max_bytes is not None and size > max_bytes:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
            return Contents(digest.hexdigest(), size, None)
        data = handle.read()
    digest.update(data)
    return Contents(digest.hexdigest(), len(data), data)


def read_sheet(path: Path, sheet: str | None = None, max_bytes: int | None = None,
               max_unpacked_bytes: int | None = None, max_seconds: float | None = None) -> Sheet:
    """`path` read (`read_file`) and parsed (`parse_sheet`), or DeliveryRejected."""
    contents = read_file(path, max_bytes)
    if contents.data is None:
        raise DeliveryRejected(
            f"bestand is te groot: {contents.size / 1e6:.1f} MB, de grens is {max_bytes / 1e6:.1f} MB"
        )
    return parse_sheet(contents.data, path.suffix, sheet, max_unpacked_bytes, max_seconds)


def parse_sheet(data: bytes, suffix: str, sheet: str | None = None, max_unpacked_bytes: int | None = None,
                max_seconds: float | None = None) -> Sheet:
    """A file's bytes (named with `suffix`) as text rows, or DeliveryRejected.

    An XLSX may unpack to at most `max_unpacked_bytes` and take at most `max_seconds` to read: a zip bomb
    under the expansion ratio still ends in a rejection, never in a run that does not finish."""
    if data.startswith(ZIP_MAGIC):
        return _read_xlsx(data, sheet, max_unpacked_bytes, max_seconds)
    if suffix.lower() in (".xlsx", ".xlsm"):
        raise DeliveryRejected("bestand heet .xlsx maar is geen Excel-werkmap (geen geldig XLSX-bestand)")
    return _read_csv(data)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_bom(data):
        raise DeliveryRejected(
            "bestand is in UTF-16 opgeslagen; sla het op als CSV UTF-8 of CSV (gescheiden door puntkomma's)"
        )
    if b"\x00" in data:
        raise DeliveryRejected("bestand bevat binaire gegevens (NUL-tekens); dit is geen CSV- of XLSX-bestand")
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError as exc:
        text, encoding = _single_byte(data, exc.start)
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


def _single_byte(data: bytes, first_error: int) -> tuple[str, str]:
    """Text that is not UTF-8 as a whole: Windows-1252 when the detector finds that a plausible reading (a short
    Dutch text reads as well in Central European), else rejected naming what it looks like.

    A file with UTF-8 characters as well as bytes UTF-8 cannot have is two encodings pasted together;
    decoding it either way garbles one part (`cafÃ©`), so it is rejected with the first line that differs."""
    line = data.count(b"\n", 0, first_error) + 1
    if UTF8_MULTIBYTE.search(data):
        raise DeliveryRejected(
            f"bestand mengt tekencoderingen: het is UTF-8, maar regel {line} is in een andere codering "
            "opgeslagen (waarschijnlijk Windows-1252); sla het hele bestand opnieuw op als CSV UTF-8"
        )
    readings = from_bytes(data)
    if not any("cp1252" in reading.could_be_from_charset for reading in readings):
        best = readings.best()
        found = f" (het lijkt {best.encoding})" if best is not None else ""
        raise DeliveryRejected(f"onbekende tekencodering{found}; lever het bestand aan als UTF-8 of Windows-1252")
    return data.decode("cp1252"), "cp1252"


def _separator(text: str) -> str:
    """The separator that splits the first rows into one same number of cells, quotes respected (what
    `csv.Sniffer` judges too, at a fraction of its cost); the most frequent one when none does."""
    best, best_score = None, (0, 0)
    for separator in SEPARATORS:
        if separator not in text:  # every row one cell: never the answer
            continue
        widths: dict[int, int] = {}
        try:
            for record in itertools.islice(csv.reader(io.StringIO(text, newline=""), delimiter=separator),
                                           HEADER_SEARCH_ROWS):
                if any(record):
                    widths[len(record)] = widths.get(len(record), 0) + 1
        except csv.Error:
            pass  # judged by the rows before it
        width, lines = max(widths.items(), key=lambda item: (item[1], item[0]), default=(0, 0))
        if width > 1 and (lines, width) > best_score:
            best, best_score = separator, (lines, width)
    if best is None:
        sample = text[:_sample_end(text)]
        counts = {sep: sample.count(sep) for sep in SEPARATORS}
        return max(counts, key=counts.get)
    return best


def _sample_end(text: str) -> int:
    """Where the first HEADER_SEARCH_ROWS lines end."""
    end = -1
    for _ in range(HEADER_SEARCH_ROWS):
        end = text.find("\n", end + 1)
        if end < 0:
            return len(text)
    return end


def _read_csv(data: bytes) -> Sheet:
    text, encoding = _decode(data)
    separator = _separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    rows, numbers, row = [], [], 1  # rows as Excel numbers them: a cell's line breaks do not start a new row
    quoted = "'" in text  # only a file with an apostrophe can hold a neutralised formula
    try:
        for record in reader:
            cells = [unneutralise(cell.strip()) for cell in record] if quoted else list(map(str.strip, record))
            if any(cells):
                rows.append(cells)
                numbers.append(row)
            row += 1
    except csv.Error as exc:
        why = next((dutch for english, dutch in CSV_ERRORS.items() if str(exc).startswith(english)), str(exc))
        raise DeliveryRejected(f"CSV kan niet worden gelezen vanaf rij {row}: {why}") from None
    return Sheet(None, _trim_columns(rows), numbers)


def _check_zip(data: bytes, max_unpacked_bytes: int | None) -> list[zipfile.ZipInfo]:
    """Refuse an archive by the sizes its directory declares: zipfile stops at a member's declared size and
    fails its checksum beyond it, so a lie about the size cannot unpack more. The archive's members."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError):  # damaged headers fail in several ways
        raise DeliveryRejected("bestand is geen geldig XLSX-bestand (beschadigde zip)") from None
    packed = max(sum(i.compress_size for i in infos), 1)
    unpacked = sum(i.file_size for i in infos)
    if unpacked / packed > MAX_XLSX_EXPANSION:
        raise DeliveryRejected(
            f"XLSX pakt uit tot {unpacked / 1e6:.0f} MB uit {packed / 1e6:.1f} MB; "
            "dit lijkt een zip-bom en wordt niet gelezen"
        )
    if max_unpacked_bytes is not None and unpacked > max_unpacked_bytes:
        raise DeliveryRejected(
            f"XLSX pakt uit tot {unpacked / 1e6:.0f} MB, de grens is {max_unpacked_bytes / 1e6:.0f} MB "
            "(max_unpacked_mb); het bestand wordt niet gelezen. Lever zo veel gegevens aan als CSV "
            "of verdeeld over kleinere werkmappen"
        )
    return infos


class _CellParser(WorkSheetParser):
    """openpyxl's sheet parser, noting formula cells that carry no computed value (a workbook written by
    a program that does not calculate): read as empty they would pass for an empty answer. An empty value
    is a computed one only for a text formula (`t="str"`), whose answer may be empty text."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.uncached: list[tuple[int, int]] = []

    def parse_cell(self, element):
        cell = super().parse_cell(element)
        if element.find(FORMULA_TAG) is not None and not element.findtext(VALUE_TAG) and element.get("t") != "str":
            self.uncached.append((cell["row"], cell["column"]))
        return cell


def _read_xlsx(data: bytes, sheet: str | None, max_unpacked_bytes: int | None, max_seconds: float | None) -> Sheet:
    """Through calamine (fast) where it reads the sheet as well; else openpyxl, cell by cell."""
    infos = _check_zip(data, max_unpacked_bytes)
    if _calamine_reads(data, infos, max_seconds):
        try:
            return _read_calamine(data, sheet)
        except DeliveryRejected:
            raise
        except Exception:  # noqa: BLE001 - a damaged workbook: openpyxl says what is wrong, as it always did
            pass
    return _read_openpyxl(data, sheet, max_seconds)


def _calamine_reads(data: bytes, infos: list[zipfile.ZipInfo], max_seconds: float | None) -> bool:
    """Whether calamine reads this workbook as openpyxl would: nothing only openpyxl reads (`OPENPYXL_ONLY`),
    and sheets small enough that reading one whole, which calamine cannot interrupt, stays well within
    `max_seconds`."""
    sheets = [i for i in infos if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")]
    if max_seconds is not None and sum(i.file_size for i in sheets) > max_seconds * CALAMINE_BYTES_PER_SECOND:
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return not any(OPENPYXL_ONLY.search(archive.read(info)) for info in sheets)
    except Exception:  # noqa: BLE001 - a damaged member: openpyxl reports it
        return False


def _read_calamine(data: bytes, sheet: str | None) -> Sheet:
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        if sheet is not None and sheet not in workbook.sheet_names:
            raise DeliveryRejected(
                f"werkblad '{sheet}' bestaat niet; de werkmap heeft: {', '.join(workbook.sheet_names)}"
            )
        first = next(m.name for m in workbook.sheets_metadata  # as openpyxl's first: a chart is no worksheet
                     if m.typ == python_calamine.SheetTypeEnum.WorkSheet)
        worksheet = workbook.get_sheet_by_name(sheet or first)
        rows, numbers = [], []
        for number, values in enumerate(worksheet.to_python(skip_empty_area=False), start=1):  # Excel's numbers
            cells = [cell_text(value) for value in values]
            if any(cells):
                rows.append(cells)
                numbers.append(number)
        return Sheet(worksheet.name, _trim_columns(rows), numbers, workbook=True)
    finally:
        workbook.close()


def _read_openpyxl(data: bytes, sheet: str | None, max_seconds: float | None) -> Sheet:
    started = time.monotonic()
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken workbook
        raise DeliveryRejected(f"XLSX kan niet worden geopend: {type(exc).__name__}: {exc}") from None
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise DeliveryRejected(
                f"werkblad '{sheet}' bestaat niet; de werkmap heeft: {', '.join(workbook.sheetnames)}"
            )
        worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
        rows, numbers, uncached = _cells(worksheet, started, max_seconds)
        return Sheet(worksheet.title, _trim_columns(rows), numbers, workbook=True,
                     uncached={(row, column - 1): f"{get_column_letter(column)}{row}" for row, column in uncached})
    except DeliveryRejected:
        raise
    except Exception as exc:  # a damaged sheet inside a sound zip fails only while its rows are read
        raise DeliveryRejected(f"XLSX kan niet worden gelezen: {type(exc).__name__}: {exc}") from None
    finally:
        workbook.close()


def _cells(worksheet, started: float,
           max_seconds: float | None) -> tuple[list[list[str]], list[int], list[tuple[int, int]]]:
    """Every cell the sheet holds, wherever its declared `<dimension>` says it ends (a wrong one would
    silently drop rows and columns), within the time allowed."""
    rows, numbers = [], []
    with worksheet._get_source() as source:
        parser = _CellParser(source, worksheet._shared_strings, data_only=True, epoch=worksheet.parent.epoch,
                             date_formats=worksheet.parent._date_formats,
                             timedelta_formats=worksheet.parent._timedelta_formats)
        for count, (number, cells) in enumerate(parser.parse()):
            if max_seconds is not None and count % 1000 == 0 and time.monotonic() - started > max_seconds:
                raise DeliveryRejected(
                    f"XLSX is na {max_seconds:g} seconden (max_read_seconds) nog niet gelezen, bij rij {number}; "
                    "het bestand is te groot of opgeblazen (zip-bom) en wordt niet gelezen. Lever zo veel "
                    "gegevens aan als CSV of verdeeld over kleinere werkmappen"
                )
            if not cells:
                continue
            values = [""] * max(cell["column"] for cell in cells)
            for cell in cells:
                values[cell["column"] - 1] = cell_text(cell["value"])
            if any(values) or (parser.uncached and parser.uncached[-1][0] == number):
                rows.append(values)
                numbers.append(number)
    return rows, numbers, parser.uncached


def sheet_names(data: bytes) -> list[str]:
    """The worksheets of an XLSX that opened before (so it is no longer suspect)."""
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return list(workbook.sheetnames)
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
    width = max(map(len, rows), default=0)
    while width and not any(len(r) >= width and r[width - 1] for r in rows):  # most often the header ends it
        width -= 1
    return [r if len(r) == width else (r + [""] * width)[:width] if len(r) < width else r[:width] for r in rows]
