"""Disclosure control over everything a period publishes, for all audiences together.

Every figure a reader can see — in any audience's report, its charts and email, or the reader's view — is a
cell of one indicator's table: a numerator and a denominator for the coalition, each place and each school.
The tables add up (school → place → coalition), and the stuurgroep, the lokale coalitie and every kernteam
see different parts of them, so a reader holding several reports can add and subtract. Deciding per report,
or per pair of cells, is not enough: this module takes the whole publication of a period at once and hides
cells until

- no hidden cell can be worked out exactly, and
- no set of hidden cells whose total can be worked out gives its members away: fewer units (persons or
  organisations) than the minimum together, or all of them at the bottom or top of the scale (0 % or 100 %
  of a share, every rating 1 or every rating 5).

What a reader can work out is what a combination of the additive relations gives: adding and subtracting
whole tables (coefficients -1, 0 or 1 per relation) leaves a known total over the hidden cells it still
touches; where that total covers hidden cells each exactly once, their sum is known. Extra cells are hidden
smallest first (least information lost), ties in the order the cells were given, so the same facts always
give the same publication. Pure functions: no database, no configuration.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

Key = tuple[str, str]  # (scope, scope_name)
Relation = tuple[Key, tuple[Key, ...]]  # a total and the cells that add up to it
EXACT = 1e-6


@dataclass(frozen=True)
class Cell:
    """One published cell: what it counts and how many units (persons or organisations) it rests on."""

    numerator: float
    denominator: float
    units: float


@dataclass(frozen=True)
class Table:
    """One indicator's cells of a period, in a fixed order, and what may be shown.

    A cell without units has no data: the reader sees that it is empty, so it is known and never hidden.
    `scale` is the range of one unit's contribution to the numerator: (0, 1) for a share, (1, 5) for a
    rating; None where a total at an end of the range reveals nothing about anyone (euros).
    """

    cells: dict[Key, Cell]
    minimum: float
    scale: tuple[float, float] | None = (0.0, 1.0)


def cells_to_hide(tables: dict[str, Table], relations: list[Relation]) -> set[tuple[str, Key]]:
    """The (indicator, cell) pairs no publication of the period may show."""
    return {(indicator, key) for indicator, table in tables.items() for key in _hide(table, relations)}


def _holds(table: Table, parent: Key, children: tuple[Key, ...]) -> bool:
    """Whether the cells add up to the total, in numerator and denominator alike.

    A relation that holds by definition always does (a village's children are its schools' children). One
    that does not (turnout counts where the session was, the school where the child is) holds only when the
    period's facts happen to make it so, and then a reader who assumes it is right: so it counts exactly then.
    """
    cells = [table.cells[c] for c in children]
    total = table.cells[parent]
    return (abs(total.numerator - sum(c.numerator for c in cells)) < EXACT
            and abs(total.denominator - sum(c.denominator for c in cells)) < EXACT)


def _hide(table: Table, relations: list[Relation]) -> set[Key]:
    keys = list(table.cells)
    position = {k: i for i, k in enumerate(keys)}
    rows = [(parent, children) for parent, children in relations
            if children and parent in position and all(c in position for c in children)
            and _holds(table, parent, children)]
    matrix = np.zeros((len(rows), len(keys)))
    for r, (parent, children) in enumerate(rows):
        matrix[r, position[parent]] = 1
        for child in children:
            matrix[r, position[child]] = -1
    units = np.array([table.cells[k].units for k in keys], dtype=float)
    hidden = {i for i, u in enumerate(units) if 0 < u < table.minimum}
    while True:
        disclosure = _first_disclosure(table, keys, matrix, hidden)
        if disclosure is None:
            return {keys[i] for i in hidden}
        hidden.add(min(_shown_in(disclosure, hidden, units), key=lambda i: (units[i], i)))


def _shown_in(combination: np.ndarray, hidden: set[int], units: np.ndarray) -> list[int]:
    """The shown cells with data a combination of relations reads: hiding one of them breaks it."""
    return [i for i in np.flatnonzero(np.abs(combination) > EXACT) if i not in hidden and units[i] > 0]


def _first_disclosure(table: Table, keys: list[Key], matrix: np.ndarray, hidden: set[int]) -> np.ndarray | None:
    """The combination of relations that gives away the smallest set of hidden cells, or None."""
    if not hidden:
        return None
    columns = sorted(hidden)
    touching = [r for r in range(matrix.shape[0]) if np.any(matrix[r, columns])]
    found = []
    for combination in _combinations(matrix[touching]):
        on_hidden = combination[columns]
        if np.all(np.abs(on_hidden) < EXACT) or not np.all((np.abs(on_hidden) < EXACT)
                                                            | (np.abs(on_hidden - 1) < EXACT)):
            continue
        group = [c for c, weight in zip(columns, on_hidden) if weight > 0.5]
        if _gives_away(table, [keys[i] for i in group]):
            found.append((len(group), group, combination))
    if not found:
        return None
    return min(found, key=lambda f: (f[0], f[1]))[2]


def _combinations(relations: np.ndarray):
    """Every sum of the relations with coefficients -1, 0 or 1, as a row over the cells."""
    for coefficients in itertools.product((-1, 0, 1), repeat=relations.shape[0]):
        if any(coefficients):
            yield np.asarray(coefficients, dtype=float) @ relations


def _gives_away(table: Table, group: list[Key]) -> bool:
    """A known total over hidden cells reveals them: one cell alone, too few units, or an end of the scale."""
    if len(group) == 1:
        return True
    cells = [table.cells[k] for k in group]
    units = sum(c.units for c in cells)
    if units < table.minimum:
        return True
    if table.scale is None:
        return False
    numerator, denominator = sum(c.numerator for c in cells), sum(c.denominator for c in cells)
    low, high = table.scale
    return abs(numerator - low * denominator) < EXACT or abs(numerator - high * denominator) < EXACT
