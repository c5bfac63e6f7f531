"""The lokale coalitie's interpretation per goal (its `duiding`): the plan's step from data, through the lokale
coalitie's analysis, to advice to the stuurgroep. A small sheet the coalitie fills in before the reports go out."""

from pandera.typing import Series

from schemas.base import RecordModel, column


class InterpretationModel(RecordModel):
    about_period: Series[str] = column("Periode", "period")
    goal: Series[str] = column("Doel", "goal")
    text: Series[str] = column("Duiding", str_length={"min_value": 1, "max_value": 4000})
    interpreted_by: Series[str] = column("Door", str_length={"min_value": 1, "max_value": 200})
    approved_by: Series[str] = column("Goedgekeurd door", nullable=True, optional_header=True,
                                      str_length={"max_value": 200})
