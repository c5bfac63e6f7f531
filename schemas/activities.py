"""Activity planning and attendance (contract 3.1 and 3.2)."""

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.base import RecordModel, column


class ActivitySessionModel(RecordModel):
    """One row per session; a session is (Datum, Activiteit, Dorp)."""

    session_date: Series[pa.DateTime] = column("Datum", "date")
    title: Series[str] = column("Activiteit", str_length={"min_value": 1, "max_value": 300})
    area: Series[str] = column("Dorp", "area")
    target_group: Series[str] = column("Doelgroep", "choice", isin=["1-4", "5-8"])
    theme_1: Series[str] = column("Thema 1", "theme")
    theme_2: Series[str] = column("Thema 2", "theme", nullable=True)
    kind: Series[str] = column("Soort", "choice", isin=["vast", "10-weeks", "eenmalig"])
    supervisors: Series[pd.Int64Dtype] = column("Begeleiders", "int", ge=0)


class AttendanceModel(RecordModel):
    """One row per child per session; a child is (School, Leerling), pseudonymised on arrival."""

    session_date: Series[pa.DateTime] = column("Datum", "date")
    title: Series[str] = column("Activiteit", str_length={"min_value": 1, "max_value": 300})
    area: Series[str] = column("Dorp", "area")
    school: Series[str] = column("School", "school")
    school_group: Series[pd.Int64Dtype] = column("Groep", "group", in_range={"min_value": 1, "max_value": 8})
    pupil: Series[str] = column("Leerling", str_length={"min_value": 1, "max_value": 50})
    present: Series[pd.BooleanDtype] = column("Aanwezig", "marker")
