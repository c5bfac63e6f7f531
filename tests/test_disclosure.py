"""Disclosure control over a whole period: nothing hidden can be worked out from everything published.

The checker (`tests/disclosure_check.py`) derives by linear algebra what a reader holding every audience's
figures can compute; hypothesis feeds it coalitions of 1-6 places with 1-4 schools each.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.indicators.disclosure import Cell, Table, cells_to_hide
from tests.disclosure_check import Published, disclosures

MINIMUM = 10
COALITION = ("coalition", "Coalitie")


def _publication(schools: dict[str, dict[str, tuple[int, int]]]) -> tuple[dict, list]:
    """Cells (numerator, denominator) of coalition, places and schools summed from the schools', and the relations."""
    cells, relations = {}, []
    for place, own in schools.items():
        for school, figures in own.items():
            cells[("school", school)] = figures
        cells[("area", place)] = tuple(sum(f[i] for f in own.values()) for i in (0, 1))
        relations.append((("area", place), tuple(("school", s) for s in own)))
    cells[COALITION] = tuple(sum(cells[("area", p)][i] for p in schools) for i in (0, 1))
    relations.append((COALITION, tuple(("area", p) for p in schools)))
    relations.append((COALITION, tuple(("school", s) for own in schools.values() for s in own)))
    ordered = {COALITION: cells[COALITION], **{k: v for k, v in cells.items() if k != COALITION}}
    return ordered, relations


def _protect(cells: dict, relations: list, scale=(0.0, 1.0)) -> set:
    table = Table({k: Cell(n, d, d) for k, (n, d) in cells.items()}, MINIMUM, scale)
    return {key for _, key in cells_to_hide({"veiligheid_ouders": table}, relations)}


def _check(cells: dict, relations: list, hidden: set, scale=(0.0, 1.0)) -> list[str]:
    published = {k: Published(n, d, k not in hidden) for k, (n, d) in cells.items()}
    return disclosures(published, relations, MINIMUM, scale)


def test_two_hidden_villages_that_together_are_100_percent_are_protected():
    # The case: the stuurgroep shows 34 of 37, the Nieuw-Buinen kernteam 16 of 19; Valthermond (9 of 9)
    # and 2e Exloërmond (9 of 9) each rest on too few parents, so together they would be 18 of 18.
    cells, relations = _publication({
        "Valthermond": {"OBS de Aanloop": (5, 5), "CKC Rehoboth": (4, 4)},
        "2e Exloërmond": {"OBS de Westhoek": (6, 6), "CKC de Wegwijzer": (3, 3)},
        "Nieuw-Buinen": {"OBS de Poolster": (8, 10), "School 75": (8, 9)},
    })
    unprotected = {("area", "Valthermond"), ("area", "2e Exloërmond"),
                   *[k for k in cells if k[0] == "school" and cells[k][1] < MINIMUM]}
    assert any("samen 18 van 18" in found for found in _check(cells, relations, unprotected))
    hidden = _protect(cells, relations)
    # School 75 would be Nieuw-Buinen minus OBS de Poolster: the Poolster (10) goes, the smaller of the two
    # shown cells of that sum. Coalition minus Nieuw-Buinen still gives 18 of 18: Nieuw-Buinen (19) goes,
    # being smaller than the coalition (37). Then every sum over hidden cells is 34 of 37.
    assert hidden == unprotected | {("area", "Nieuw-Buinen"), ("school", "OBS de Poolster")}
    assert _check(cells, relations, hidden) == []


def test_a_hidden_cell_is_never_the_one_unknown_of_a_sum():
    cells, relations = _publication({"Noord": {"A": (12, 15), "B": (3, 4)}, "Zuid": {"C": (20, 25)}})
    hidden = _protect(cells, relations)
    # B (4 parents) is too small and would be Noord (19) minus A (15): A goes, the smaller. A and B together
    # are Noord, 15 of 19: no longer one unknown, enough parents, neither 0 % nor 100 %.
    assert hidden == {("school", "B"), ("school", "A")}
    assert _check(cells, relations, hidden) == []


def test_protection_is_deterministic_and_hides_nothing_when_every_cell_is_large_enough():
    cells, relations = _publication({"Noord": {"A": (12, 15), "B": (13, 14)}, "Zuid": {"C": (20, 25)}})
    assert _protect(cells, relations) == set()
    small, relations = _publication({"Noord": {"A": (2, 5), "B": (13, 14)}, "Zuid": {"C": (1, 3)}})
    assert _protect(small, relations) == _protect(small, relations)


def test_ratings_all_at_the_top_of_the_scale_give_a_hidden_group_away():
    # Mean ratings (sum of ratings, number of ratings): two hidden places of 5 ratings of 5 each.
    cells = {COALITION: (170, 40), ("area", "Noord"): (25, 5), ("area", "Zuid"): (25, 5), ("area", "Oost"): (120, 30)}
    relations = [(COALITION, (("area", "Noord"), ("area", "Zuid"), ("area", "Oost")))]
    hidden = _protect(cells, relations, scale=(1.0, 5.0))
    assert hidden == {("area", "Noord"), ("area", "Zuid"), ("area", "Oost")}
    assert _check(cells, relations, hidden, scale=(1.0, 5.0)) == []


@st.composite
def coalitions(draw):
    places = draw(st.integers(1, 6))
    schools = {}
    for p in range(places):
        own = {}
        for s in range(draw(st.integers(1, 4))):
            respondents = draw(st.integers(0, 30))
            yes = draw(st.one_of(st.just(respondents), st.just(0), st.integers(0, respondents)))
            own[f"School {p}-{s}"] = (yes, respondents)
        schools[f"Plaats {p}"] = own
    return schools


@settings(max_examples=40, deadline=None)
@given(coalitions())
def test_nothing_hidden_can_be_derived_from_everything_published(schools):
    cells, relations = _publication(schools)
    hidden = _protect(cells, relations)
    assert all(k in hidden for k, (_, d) in cells.items() if 0 < d < MINIMUM)
    assert _check(cells, relations, hidden) == []
