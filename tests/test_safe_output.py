import pytest

from kansenmonitor.safe_output import neutralise


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\")", "+31 6", "-2+3", "@SUM(A1)", "\t=1"])
def test_formula_cells_are_quoted(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Valthermond", "", -12.5, 3, None])
def test_other_cells_are_untouched(cell):
    assert neutralise(cell) == cell
