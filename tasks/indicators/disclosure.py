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
        shown = [i for i in np.flatnonzero(np.abs(disclosure) > EXACT) if i not in hidden]
        # Hiding any shown cell the combination reads breaks it: the smallest with data, an empty one (whose
        # denominator a reader would otherwise know, a budget) only when there is no other.
        hidden.add(min(shown, key=lambda i: (units[i] == 0, units[i], i)))


def _first_disclosure(table: Table, keys: list[Key], matrix: np.ndarray, hidden: set[int]) -> np.ndarray | None:
    """The combination of relations that gives away the smallest set of hidden cells, the one reading the fewest
    cells among those (the most local: hiding one of its cells breaks it where the disclosure is), or None.

    The relations that span many cells (the coalition's) are combined in every way; the rest (one per
    place) touch cells no other of them does, so given the former each place's choice is independent and the
    worst case is found per kind of disclosure rather than by trying every product of places.
    """
    if not hidden:
        return None
    columns = sorted(hidden)
    shared, blocks = _split(matrix[[r for r in range(matrix.shape[0]) if np.any(matrix[r, columns])]])
    in_block = {columns[j] for block in blocks for j in np.flatnonzero(block[columns])}
    free = [c for c in columns if c not in in_block]
    found = []
    for coefficients in itertools.product((-1, 0, 1), repeat=len(shared)):
        total = np.asarray(coefficients, dtype=float) @ shared if len(shared) else np.zeros(matrix.shape[1])
        if not _zero_or_one(total[free]):
            continue
        base = [c for c in free if total[c] > 0.5]
        options = [_choices(total, block, columns) for block in blocks]
        if not all(options):
            continue
        for selection in _revealing(table, keys, base, options):
            combination = total + sum(options[i][k][0] * blocks[i] for i, k in enumerate(selection))
            group = sorted(base + [c for i, k in enumerate(selection) for c in options[i][k][1]])
            found.append((len(group), np.count_nonzero(np.abs(combination) > EXACT), group, combination))
    if not found:
        return None
    return min(found, key=lambda f: f[:3])[3]


def _split(relations: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """The relations as (shared, blocks): the largest go to shared until the rest touch disjoint cells."""
    order = sorted(range(relations.shape[0]), key=lambda r: (-np.count_nonzero(relations[r]), r))
    for cut in range(len(order) + 1):
        rest = relations[order[cut:]]
        if rest.size == 0 or np.all(np.count_nonzero(rest, axis=0) <= 1):
            return relations[order[:cut]], list(rest)
    raise AssertionError("unreachable: no relations left are disjoint")


def _zero_or_one(values: np.ndarray) -> bool:
    return bool(np.all((np.abs(values) < EXACT) | (np.abs(values - 1) < EXACT)))


def _choices(total: np.ndarray, block: np.ndarray, columns: list[int]) -> list[tuple[int, list[int]]]:
    """A place's coefficients that leave its hidden cells at 0 or 1, with the hidden cells they add."""
    support = [c for c in columns if block[c] != 0]
    choices = []
    for coefficient in (0, 1, -1):
        values = total[support] + coefficient * block[support]
        if _zero_or_one(values):
            choices.append((coefficient, [c for c, v in zip(support, values) if v > 0.5]))
    return choices


def _revealing(table: Table, keys: list[Key], base: list[int], options: list[list[tuple[int, list[int]]]]):
    """Choices per place (indexes into `options`) whose group, with `base`, gives its members away: one cell,
    too few units, or all at one end of the scale. One selection per kind, the smallest."""
    cells = [table.cells[k] for k in keys]
    units = lambda group: sum(cells[c].units for c in group)
    empty = [next((k for k, (_, part) in enumerate(choice) if not part), None) for choice in options]

    def upgraded(default: list[int | None], allowed, size) -> list[int] | None:
        """Per place `default` where allowed, else its smallest allowed choice by `size`; if all is then empty,
        the one smallest nonempty allowed choice of some place instead."""
        selection = []
        for i, choice in enumerate(options):
            candidates = [k for k, (_, part) in enumerate(choice) if allowed(part)]
            if default[i] is not None and default[i] in candidates:
                selection.append(default[i])
            elif candidates:
                selection.append(min(candidates, key=lambda k: (size(choice[k][1]), k)))
            else:
                return None
        if base or any(options[i][k][1] for i, k in enumerate(selection)):
            return selection
        extra = [(size(part), i, k) for i, choice in enumerate(options)
                 for k, (_, part) in enumerate(choice) if part and allowed(part)]
        if not extra:
            return None
        _, i, k = min(extra)
        selection[i] = k
        return selection

    def group(selection: list[int]) -> list[int]:
        return base + [c for i, k in enumerate(selection) for c in options[i][k][1]]

    anything = lambda part: True
    fewest = upgraded([None] * len(options), anything, lambda part: (len(part), units(part)))
    if fewest is not None and (len(group(fewest)) == 1 or units(group(fewest)) < table.minimum):
        yield fewest
    least = upgraded([None] * len(options), anything, lambda part: (units(part), len(part)))
    if least is not None and units(group(least)) < table.minimum:
        yield least
    if table.scale is not None:
        for end in table.scale:
            at_end = lambda part, end=end: all(abs(cells[c].numerator - end * cells[c].denominator) < EXACT
                                               for c in part)
            if at_end(base):
                selection = upgraded(empty, at_end, lambda part: (len(part), units(part)))
                if selection is not None:
                    yield selection
