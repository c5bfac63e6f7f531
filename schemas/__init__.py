"""The delivery contract as pandera models, one per source, in the order they must be loaded."""

from schemas.activities import ActivitySessionModel, AttendanceModel
from schemas.base import Source
from schemas.interpretations import InterpretationModel
from schemas.registers import ComplaintModel, PupilCountModel, SupervisorModel
from schemas.spending import SpendingModel
from schemas.surveys import ChildResponseModel, ParentResponseModel, PartnerResponseModel, StaffFeedbackModel

# Attendance refers to planned sessions, so the planning is loaded first.
SOURCES: dict[str, Source] = {
    s.name: s
    for s in [
        Source("activiteiten", ActivitySessionModel, ("session_date", "title", "area"), "session_date",
               description="activiteitenplanning"),
        Source("aanwezigheid", AttendanceModel, ("session_date", "title", "area", "school", "pupil"),
               "session_date", description="aanwezigheidsregistratie"),
        Source("kindvragenlijst", ChildResponseModel, ("response_id",), "completed_at",
               description="vragenlijst kinderen"),
        Source("oudervragenlijst", ParentResponseModel, ("submitted_at", "school"), "submitted_at",
               description="vragenlijst ouders"),
        Source("begeleidersfeedback", StaffFeedbackModel, ("submitted_at", "role", "activity_date", "area"),
               "activity_date", description="feedback begeleiders en leerkrachten"),
        Source("begeleiders", SupervisorModel, ("name", "organisation"), None, register=True,
               description="register begeleiders"),
        Source("klachten", ComplaintModel, ("complaint_date", "area", "category", "description"),
               "complaint_date", description="klachtenregister"),
        Source("leerlingaantallen", PupilCountModel, ("school_year", "school"), None,
               description="leerlingaantallen"),
        Source("bestedingen", SpendingModel, ("booking_date", "area", "spending_point", "description", "amount"),
               "booking_date", description="bestedingen NPO"),
        Source("partnervragenlijst", PartnerResponseModel, ("submitted_at", "area", "organisation", "action"),
               "submitted_at", description="partnervragenlijst"),
        Source("duidingen", InterpretationModel, ("about_period", "goal"), "about_period",
               description="duiding van de lokale coalitie per doel"),
    ]
}
