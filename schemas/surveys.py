"""Questionnaires: children, parents, staff and partners (contract 3.3, 3.4, 3.5 and 3.10)."""

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.base import RecordModel, column


class ChildResponseModel(RecordModel):
    """A Microsoft Forms export; the period comes from `Tijd van voltooien`, `Naam` is never kept."""

    response_id: Series[str] = column("ID", str_length={"min_value": 1, "max_value": 100})
    started_at: Series[pa.DateTime] = column("Begintijd", "datetime", nullable=True, optional_header=True)
    completed_at: Series[pa.DateTime] = column("Tijd van voltooien", "datetime")
    email: Series[str] = column("E-mail", personal=True, nullable=True, optional_header=True)
    name: Series[str] = column("Naam", personal=True, nullable=True, optional_header=True)
    school: Series[str] = column("Op welke school zit je?", "school")
    school_group: Series[pd.Int64Dtype] = column("In welke groep zit je?", "group", nullable=True,
                                            in_range={"min_value": 1, "max_value": 8})
    feels_safe: Series[str] = column("Ik voel me veilig bij de activiteiten", "choice", nullable=True,
                                     isin=["Ja", "Een beetje", "Nee"])
    knows_where_to_go: Series[str] = column("Ik weet bij wie ik terecht kan als er iets is", "choice",
                                            nullable=True, isin=["Ja", "Nee"])
    enjoyment: Series[pd.Int64Dtype] = column("Hoe leuk vond je de activiteiten?", "int", nullable=True,
                                         in_range={"min_value": 1, "max_value": 5})
    idea: Series[str] = column("Wat zou je nog eens willen doen?", nullable=True, optional_header=True)


class ParentResponseModel(RecordModel):
    """A Google Forms export; safe means a 4 or 5 on the five-point scale."""

    submitted_at: Series[pa.DateTime] = column("Tijdstempel", "datetime")
    school: Series[str] = column("Op welke school zit uw kind?", "school")
    feels_safe: Series[pd.Int64Dtype] = column("Mijn kind voelt zich veilig bij de activiteiten", "int",
                                          nullable=True, in_range={"min_value": 1, "max_value": 5})
    knows_where_to_complain: Series[str] = column("Ik weet waar ik terecht kan met een klacht", "choice",
                                                  nullable=True, isin=["Ja", "Nee"])
    satisfaction: Series[pd.Int64Dtype] = column("Hoe tevreden bent u over het aanbod?", "int", nullable=True,
                                            in_range={"min_value": 1, "max_value": 5})
    remark: Series[str] = column("Opmerkingen", nullable=True, optional_header=True)


class StaffFeedbackModel(RecordModel):
    """Supervisors and teachers rate the group after a session."""

    submitted_at: Series[pa.DateTime] = column("Tijdstempel", "datetime")
    role: Series[str] = column("Rol", "choice", isin=["begeleider", "leerkracht"])
    activity_date: Series[pa.DateTime] = column("Datum activiteit", "date")
    area: Series[str] = column("Dorp", "area")
    group_atmosphere: Series[pd.Int64Dtype] = column("Groepssfeer", "int", in_range={"min_value": 1, "max_value": 5})
    cooperation: Series[pd.Int64Dtype] = column("Samenwerking", "int", in_range={"min_value": 1, "max_value": 5})
    remark: Series[str] = column("Opmerkingen", nullable=True, optional_header=True)


class PartnerResponseModel(RecordModel):
    """NPO: each partner reports per wijk and half-year on its action, and the pillar it serves where known."""

    submitted_at: Series[pa.DateTime] = column("Tijdstempel", "datetime")
    area: Series[str] = column("Wijk", "area")
    organisation: Series[str] = column("Organisatie", str_length={"min_value": 1, "max_value": 200})
    action: Series[str] = column("Actie", str_length={"min_value": 1, "max_value": 300})
    pillar: Series[str] = column("Pijler", "pillar", nullable=True, optional_header=True)
    progress: Series[pd.Int64Dtype] = column("Voortgang", "int", in_range={"min_value": 1, "max_value": 5})
    reach: Series[pd.Int64Dtype] = column("Bereik", "int", ge=0)
    experiences: Series[str] = column("Ervaringen", nullable=True)
    results: Series[str] = column("Resultaten", nullable=True)
