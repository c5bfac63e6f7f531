from decimal import Decimal

import openpyxl
import pytest

from kansenmonitor.safe_output import append_row, neutralise, unneutralise, write_csv


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\")", "+31 6", "-2+3", "@SUM(A1)", "\t=1"])
def test_formula_cells_are_quoted_and_unquoted_again(cell):
    assert neutralise(cell) == "'" + cell
    assert unneutralise(neutralise(cell)) == cell


@pytest.mark.parametrize("cell", ["Valthermond", "", -12.5, 3, None])
def test_other_cells_are_untouched(cell):
    assert neutralise(cell) == cell


def test_a_quote_before_ordinary_text_stays():
    assert unneutralise("'t Zandt") == "'t Zandt"


def test_xlsx_formula_text_is_stored_as_text(tmp_path):
    workbook = openpyxl.Workbook()
    append_row(workbook.active, ["=1+1", "gewoon", 3])
    workbook.save(tmp_path / "x.xlsx")
    cell = openpyxl.load_workbook(tmp_path / "x.xlsx").active["A1"]
    assert (cell.value, cell.data_type) == ("=1+1", "s")


def test_every_csv_for_people_quotes_formulas_but_not_numbers():
    import io

    buffer = io.StringIO()
    write_csv(buffer, ["=kop", "getal"], [["=1+1", Decimal("-2.5")], ["-2+3", None]], delimiter=",")
    assert buffer.getvalue() == "'=kop,getal\n'=1+1,-2.5\n'-2+3,\n"
