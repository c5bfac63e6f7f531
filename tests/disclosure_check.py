"""An independent check of a period's publication: what a reader holding every audience's figures can derive.

Written apart from `tasks/disclosure.py` on purpose: it knows nothing of how cells were chosen. Per
indicator it takes the shown cells (numerator and denominator known), the hidden ones (unknown) and the
additive relations that hold, and derives by linear algebra

- every hidden value that is determined: a hidden cell whose unit vector lies in the row space of the
  relations restricted to the hidden cells (the same value for every least-squares solution), and
- every set of hidden cells whose total is determined: the 0/1 vectors in that row space. A subspace of
  dimension r holds at most 2^r of them, each fixed by its entries on r independent columns, so all of them
  are found by trying the 2^r patterns on those columns.

`disclosures` returns what a reader learns that they must not: a hidden value, or a hidden group that is
below the minimum or all at an end of the scale.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

TOLERANCE = 1e-7


@dataclass(frozen=True)
class Published:
    """One cell of one indicator: its true figures, and whether any publication shows them."""

    numerator: float
    denominator: float
    shown: bool


def relations_that_hold(cells: dict, relations: list[tuple]) -> list[tuple]:
    """The relations whose total really is the sum of its parts for these figures (numerators and denominators)."""
    holding = []
    for parent, children in relations:
        if children and parent in cells and all(c in cells for c in children):
            for field in ("numerator", "denominator"):
                total = sum(getattr(cells[c], field) for c in children)
                if abs(getattr(cells[parent], field) - total) > TOLERANCE:
                    break
            else:
                holding.append((parent, children))
    return holding


def _matrix(keys: list, relations: list[tuple]) -> np.ndarray:
    position = {k: i for i, k in enumerate(keys)}
    matrix = np.zeros((len(relations), len(keys)))
    for r, (parent, children) in enumerate(relations):
        matrix[r, position[parent]] = 1
        for child in children:
            matrix[r, position[child]] -= 1
    return matrix


def _row_space(matrix: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the row space, as rows."""
    if matrix.size == 0:
        return np.zeros((0, matrix.shape[1]))
    _, singular, vt = np.linalg.svd(matrix)
    rank = int(np.sum(singular > TOLERANCE * max(1.0, singular.max(initial=0.0))))
    return vt[:rank]


def recovered_values(cells: dict, relations: list[tuple]) -> dict:
    """Every hidden cell's figures a reader can compute exactly: (numerator, denominator) by least squares."""
    keys = list(cells)
    hidden = [i for i, k in enumerate(keys) if not cells[k].shown]
    matrix = _matrix(keys, relations_that_hold(cells, relations))
    shown = [i for i in range(len(keys)) if i not in hidden]
    basis = _row_space(matrix[:, hidden])
    found = {}
    for j, i in enumerate(hidden):
        unit = np.zeros(len(hidden))
        unit[j] = 1
        if np.linalg.norm(unit - basis.T @ (basis @ unit)) > 1e-6:
            continue
        figures = []
        for field in ("numerator", "denominator"):
            known = np.array([getattr(cells[keys[s]], field) for s in shown])
            rhs = -matrix[:, shown] @ known
            solution = np.linalg.lstsq(matrix[:, hidden], rhs, rcond=None)[0]
            figures.append(float(solution[j]))
        found[keys[i]] = tuple(figures)
    return found


def derivable_groups(cells: dict, relations: list[tuple]) -> list[list]:
    """Every set of hidden cells whose total a reader can compute."""
    keys = list(cells)
    hidden = [k for k in keys if not cells[k].shown]
    matrix = _matrix(keys, relations_that_hold(cells, relations))
    basis = _row_space(matrix[:, [keys.index(k) for k in hidden]])
    rank = basis.shape[0]
    if rank == 0:
        return []
    pivots = []
    for column in range(len(hidden)):
        if np.linalg.matrix_rank(basis[:, pivots + [column]], tol=1e-9) > len(pivots):
            pivots.append(column)
        if len(pivots) == rank:
            break
    inverse = np.linalg.inv(basis[:, pivots])
    groups = []
    for pattern in itertools.product((0.0, 1.0), repeat=rank):
        if not any(pattern):
            continue
        vector = (np.array(pattern) @ inverse) @ basis
        ones = np.abs(vector - 1) < 1e-6
        if np.all(ones | (np.abs(vector) < 1e-6)):
            groups.append([hidden[i] for i in np.flatnonzero(ones)])
    return groups


def disclosures(cells: dict, relations: list[tuple], minimum: float,
                scale: tuple[float, float] = (0.0, 1.0)) -> list[str]:
    """What a reader learns of hidden cells: each exact value, and each group too small or at an end of the scale."""
    found = [f"{key} te herleiden: {figures}" for key, figures in recovered_values(cells, relations).items()]
    low, high = scale
    for group in derivable_groups(cells, relations):
        numerator = sum(cells[k].numerator for k in group)
        denominator = sum(cells[k].denominator for k in group)
        if len(group) == 1:
            continue  # reported above as an exact value
        if denominator < minimum:
            found.append(f"groep {group} samen {denominator:g} < {minimum:g}")
        elif abs(numerator - low * denominator) < 1e-6 or abs(numerator - high * denominator) < 1e-6:
            found.append(f"groep {group} samen {numerator:g} van {denominator:g}")
    return found
