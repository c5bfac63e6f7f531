"""Doen: advice from rules over the figures.

Per indicator of a goal the outcome decides the text: the configuration's own (per indicator, or the goal's
when it has one indicator), otherwise sound default Dutch advice. A miss names the places or schools behind
it with their numbers, so each core team reads advice about its own figures; an indicator that does not
exist at a scope (VOG coverage has no village figure) is never asked of it.
"""

from __future__ import annotations

from kansenmonitor.config import Advice, Config, Goal
from kansenmonitor.dutch import dutch_list, plural

# Why a figure is hidden: too few respondents, or to protect another hidden figure (secondary suppression).
TOO_FEW, PROTECTS = "too_few", "protects"

# What to do when an indicator misses its target, when nothing is configured.
NOT_MET = {
    "veiligheid_kinderen": "Bespreek met de begeleiders waar kinderen zich niet veilig voelen en maak afspraken "
                           "over toezicht en groepsregels.",
    "veiligheid_ouders": "Vraag ouders wat hun kind een onveilig gevoel geeft, via de school of een kort "
                         "oudergesprek, en laat weten welke afspraken daarop volgen.",
    "klachtweg_kinderen": "Vertel kinderen bij de start van elke activiteit bij wie ze terecht kunnen en hang dat "
                          "zichtbaar op.",
    "klachtweg_ouders": "Maak de klachtenroute bekend bij ouders, via de ouderbrief en de ouderapp van de school.",
    "vog_dekking": "Vraag de ontbrekende VOG's direct aan en zet begeleiders zonder geldige VOG niet structureel in.",
    "klachten_interactie": "Bespreek elke klacht over interactie of groepsdynamiek met de betrokken begeleiders en "
                           "leg de afspraken vast.",
    "groepssfeer": "Bespreek de lage groepssfeerscores met begeleiders en leerkrachten en spreek "
                   "gedragsafspraken af.",
    "groepssfeer_aandeel": "Bespreek de lage groepssfeerscores met begeleiders en leerkrachten en spreek "
                           "gedragsafspraken af.",
    "aanbod_onderbouw": "Plan extra activiteiten voor groep 1-4 en werf de kinderen via de leerkrachten van de "
                        "onderbouw.",
    "themamix": "Koppel in de planning elke activiteit aan twee verschillende thema's.",
    "ontwikkelgebieden": "Plan activiteiten voor de ontwikkelgebieden die nog niet aan bod kwamen.",
    "extra_aanbod": "Plan ten minste één 10-weeks programma of eenmalige activiteit extra.",
    "deelnemers": "Werf gericht waar het aantal deelnemers niet groeide: via de leerkrachten, een proefles en de "
                  "ouderapp van de school.",
    "bereik": "Werf in de groepen en op de scholen waar weinig kinderen meedoen.",
    "opkomst": "Vraag aangemelde kinderen die niet kwamen waarom, en stuur voor elke activiteit een herinnering.",
    "ideeen": "Zet de ideeënbus opnieuw onder de aandacht op de scholen zonder ideeën.",
    "besteding": "Bespreek met het kernteam waarom de besteding afwijkt van de planning en stel de acties of de "
                 "verdeling over de bestedingspunten bij.",
    "voortgang_partners": "Bespreek de acties met weinig voortgang met de partners en pas ze aan of stop ermee.",
    "voortgang_partners_aandeel": "Bespreek de acties met weinig voortgang met de partners en pas ze aan of stop "
                                  "ermee.",
    "pijlerdekking": "Zoek met de partners een actie voor de gekozen pijlers waar nog niemand aan werkt.",
}

# Which delivery an indicator rests on, for the advice when its figure is missing.
SOURCES = {
    "veiligheid_kinderen": "de kindervragenlijst", "klachtweg_kinderen": "de kindervragenlijst",
    "ideeen": "de kindervragenlijst met de ideeënvraag", "veiligheid_ouders": "de oudervragenlijst",
    "klachtweg_ouders": "de oudervragenlijst", "groepssfeer": "het feedbackformulier na elke activiteit",
    "groepssfeer_aandeel": "het feedbackformulier na elke activiteit",
    "vog_dekking": "het register van begeleiders met hun VOG-datum", "klachten_interactie": "de klachtenregistratie",
    "aanbod_onderbouw": "de activiteitenplanning en de aanwezigheid", "themamix": "de activiteitenplanning",
    "ontwikkelgebieden": "de activiteitenplanning", "extra_aanbod": "de activiteitenplanning met de soort activiteit",
    "deelnemers": "de aanwezigheid per activiteit", "bereik": "de aanwezigheid en de leerlingaantallen",
    "opkomst": "de aanwezigheid per activiteit", "besteding": "het bestedingsoverzicht per wijk",
    "voortgang_partners": "de partnervragenlijst", "voortgang_partners_aandeel": "de partnervragenlijst",
    "pijlerdekking": "de partnervragenlijst met de kolom Pijler",
}
RESPONDENTS = {"de kindervragenlijst": "kinderen", "de oudervragenlijst": "ouders",
               "het feedbackformulier na elke activiteit": "begeleiders en leerkrachten",
               "de partnervragenlijst": "partners"}


def default_text(indicator_id: str, label: str, outcome: str, suppressed: bool = False) -> str:
    """Sound Dutch advice for an indicator's outcome when the configuration gives none."""
    if outcome == "met":
        return f"{label}: het doel is gehaald. Houd de huidige aanpak vast en deel in het overleg wat werkt."
    if outcome == "falling":
        return f"{label} gaat achteruit: zoek met de uitvoerders uit waardoor, voordat het doel in gevaar komt."
    if outcome == "not_met":
        return NOT_MET.get(indicator_id, f"Bespreek in het overleg waarom '{label}' achterblijft en spreek af "
                                         "wat daaraan gedaan wordt.")
    source = SOURCES.get(indicator_id, "de gegevens")
    if suppressed:
        who = RESPONDENTS.get(source, "mensen")
        return (f"Voor '{label}' waren te weinig antwoorden: vraag meer {who} om {source} in te vullen, zodat "
                "het cijfer de volgende keer getoond kan worden.")
    return f"Zorg dat {source} voor de volgende meting wordt aangeleverd, zodat '{label}' gemeten kan worden."


def _configured(goal: Goal, indicator_id: str, outcome: str) -> str:
    own = goal.indicator_advice.get(indicator_id, Advice())
    text = getattr(own, outcome)
    if not text and len(goal.indicators) == 1:
        text = getattr(goal.advice, outcome)
    return text


def _figure_words(figure) -> str:
    """`14, was 20` or `77%, 27 van 35`: the numbers behind a place's outcome."""
    words = [figure.text]
    if figure.basis:
        words.append(figure.basis)
    elif figure.previous and figure.previous.shown and figure.change:
        words.append(f"was {figure.previous.text}")
    return ", ".join(words)


def places_behind(config: Config, figures: list) -> str:
    """`Het doel wordt niet gehaald in Valthermond (14, was 20) en OBS de Aanloop (77%, 27 van 35).`"""
    missed = [f for f in figures if f is not None and f.shown and f.status == "not_met"]
    if not missed:
        return ""
    target = config.targets.get(missed[0].indicator)
    lower_better = bool(target and target.comparison in ("<=", "<"))

    def shortfall(figure) -> float:
        if target is not None and target.value is not None:
            return figure.value - target.value if lower_better else target.value - figure.value
        return -(figure.change or 0)

    missed.sort(key=shortfall, reverse=True)
    limit = config.reporting.max_places_named
    named = [f"{f.scope[1]} ({_figure_words(f)})" for f in missed[:limit]]
    if len(missed) > limit:
        named.append("nog " + plural(len(missed) - limit, "andere plek", "andere plekken"))
    return "Niet gehaald in " + dutch_list(named) + "."


def advise(config: Config, goal: Goal, status: str, figures: list, worse: list, below: dict[str, list]) -> list[str]:
    """The advice for one goal at one scope: per indicator its outcome's text, and the places behind a miss."""
    advice: list[str] = []
    for figure in figures:
        indicator_id = figure.indicator
        if figure in worse:
            advice.append(_configured(goal, indicator_id, "falling") or goal.advice.falling
                          or default_text(indicator_id, figure.label, "falling"))
        if figure.status == "not_met":
            own = _configured(goal, indicator_id, "not_met")
            general = goal.advice.not_met
            text = own or ("" if general else default_text(indicator_id, figure.label, "not_met"))
            behind = places_behind(config, below.get(indicator_id, []))
            if behind:
                text = f"{text} {figure.label}: {behind[0].lower()}{behind[1:]}".strip()
            if general and not own:
                advice.insert(0, general)
            advice.append(text)
        elif figure.hidden == PROTECTS:
            continue  # nothing to deliver: the figure exists, it is hidden to protect another
        elif not figure.shown:
            suppressed = figure.hidden == TOO_FEW
            advice.append(("" if suppressed else _configured(goal, indicator_id, "no_data") or goal.advice.no_data)
                          or default_text(indicator_id, figure.label, "no_data", suppressed))
    if status == "met" and not worse:
        advice.insert(0, goal.advice.met or (default_text(figures[0].indicator, figures[0].label, "met")
                                             if len(figures) == 1 else
                                             "Alle indicatoren van dit doel halen de doelstelling: houd de huidige "
                                             "aanpak vast en deel in het overleg wat werkt."))
    return [text for text in dict.fromkeys(advice) if text]
