"""Recognising which source a file is by its header row, wherever title lines put that row.

The file name is only a hint, used to break a tie; a file that matches no source completely is
rejected with the closest source and the columns it misses.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from openpyxl.utils import get_column_letter

from kansenmonitor.config import Config, normalise_name
from schemas import SOURCES
from schemas.base import Source
from tasks.ingest.read import HEADER_SEARCH_ROWS, DeliveryRejected, Sheet


@dataclass
class Recognised:
    source: Source
    header_index: int
    columns: dict[int, str]  # position in the row -> canonical field


def _expected(config: Config) -> tuple[tuple[Source, dict[str, str], dict[str, str]], ...]:
    """Per source: its headers in this coalition's export by matching key, and its required headers."""
    return _expected_for(tuple((name, tuple(mapping.columns.items())) for name, mapping in config.sources.items()))


@lru_cache(maxsize=64)  # one per coalition a worker ingests
def _expected_for(columns_by_source: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
                  ) -> tuple[tuple[Source, dict[str, str], dict[str, str]], ...]:
    """Worked out once per configuration's column names, not for every file of its inbox."""
    configured = {name: dict(columns) for name, columns in columns_by_source}
    expected = []
    for source in SOURCES.values():
        columns = configured.get(source.name, {})
        wanted = {normalise_name(h): name for name, h in source.headers(columns).items()}
        expected.append((source, wanted, source.required_headers(columns)))
    return tuple(expected)


def _match(wanted: dict[str, str], required: dict[str, str], keys: list[str]) -> tuple[dict[int, str], list[str]]:
    """Which cells of a row (as matching keys) are a source's headers, and which required headers are missing."""
    found = {i: wanted[k] for i, k in enumerate(keys) if k in wanted}
    present = set(found.values())
    return found, [h for name, h in required.items() if name not in present]


def recognise(sheet: Sheet, config: Config, file_name: str = "") -> Recognised:
    """The source whose required headers all appear in one of the first rows of `sheet`."""
    candidates = []
    closest: tuple[int, Source, list[str]] | None = None
    expected = _expected(config)
    # A row holding none of the headers (a row of data) matches no source and comes near none, unless a source
    # required no header at all.
    headers = {key for _, wanted, _ in expected for key in wanted} if all(r for _, _, r in expected) else None
    for index, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        keys = [normalise_name(cell) for cell in row]
        if headers is not None and headers.isdisjoint(keys):
            continue
        for source, wanted, required in expected:
            found, missing = _match(wanted, required, keys)
            if not missing:
                hinted = source.name in Path(file_name).stem.lower()
                candidates.append((len(found), hinted, -index, source, found))
            elif found and (closest is None or len(found) > closest[0]):
                closest = (len(found), source, missing)
    if candidates:
        _, _, neg_index, source, found = max(candidates, key=lambda c: (c[0], c[1], c[2]))
        _refuse_duplicate_headers(sheet.rows[-neg_index])
        return Recognised(source, -neg_index, found)
    if closest is None:
        raise DeliveryRejected(
            "bron niet herkend: geen kopregel gevonden met kolommen uit de aanleverspecificatie"
        )
    _, source, missing = closest
    raise DeliveryRejected(
        f"bron niet herkend: het bestand lijkt het meest op '{source.name}' ({source.description}), "
        f"maar mist de kolommen: {', '.join(missing)}"
    )


def _refuse_duplicate_headers(header: list[str]) -> None:
    """Two columns under one name would overwrite each other's cells, so neither can be trusted."""
    first: dict[str, int] = {}
    for position, cell in enumerate(header):
        key = normalise_name(cell)
        if key and key in first:
            raise DeliveryRejected(
                f"kolom '{cell}' staat twee keer in de kopregel (kolommen {get_column_letter(first[key] + 1)} "
                f"en {get_column_letter(position + 1)}); geef elke kolom een eigen naam of verwijder de dubbele"
            )
        first.setdefault(key, position)

