"""Registers: supervisors, complaints and pupil counts (contract 3.6, 3.7 and 3.8)."""

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.base import RecordModel, column


class SupervisorModel(RecordModel):
    """A state, not a log: the newest delivery replaces the register."""

    name: Series[str] = column("Naam", str_length={"min_value": 1, "max_value": 200})
    organisation: Series[str] = column("Organisatie", str_length={"min_value": 1, "max_value": 200})
    structural: Series[pd.BooleanDtype] = column("Structureel", "yes_no")
    vog_date: Series[pa.DateTime] = column("VOG-datum", "date", nullable=True)


class ComplaintModel(RecordModel):
    complaint_date: Series[pa.DateTime] = column("Datum", "date")
    area: Series[str] = column("Dorp", "area")
    category: Series[str] = column("Categorie", "choice",
                                   isin=["interactie", "groepsdynamiek", "veiligheid", "organisatie", "overig"])
    description: Series[str] = column("Omschrijving", nullable=True)
    status: Series[str] = column("Status", "choice", isin=["open", "afgehandeld"])


def _group(number: int):
    return column(f"Groep {number}", "int", ge=0)


class PupilCountModel(RecordModel):
    """Pupils per group per school: the denominator for reach."""

    school_year: Series[str] = column("Schooljaar", "school_year")
    school: Series[str] = column("School", "school")
    group_1: Series[pd.Int64Dtype] = _group(1)
    group_2: Series[pd.Int64Dtype] = _group(2)
    group_3: Series[pd.Int64Dtype] = _group(3)
    group_4: Series[pd.Int64Dtype] = _group(4)
    group_5: Series[pd.Int64Dtype] = _group(5)
    group_6: Series[pd.Int64Dtype] = _group(6)
    group_7: Series[pd.Int64Dtype] = _group(7)
    group_8: Series[pd.Int64Dtype] = _group(8)
