"""Example deliveries for the shipped coalitions, in the shapes their real exports have.

The demo and the end-to-end tests need files that look like what a steward actually receives (title
lines, Dutch Excel CSV in Windows-1252, Forms exports, stray spaces, aliases) with a few realistic
faults planted at known rows, so quarantine can be checked row by row. Names, themes and periods come
from the configurations; everything else comes from the seed, and XLSX files carry fixed timestamps,
so the same seed gives byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import openpyxl
from openpyxl.styles import Border, Side
from openpyxl.writer.excel import ExcelWriter

from kansenmonitor.config import Config, load_config, normalise_name
from kansenmonitor.periods import Period, periods_of_school_year, programme_periods
from kansenmonitor.safe_output import append_row
from schemas import SOURCES

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("borger-odoorn", "coevorden")
SCHOOL_YEAR = 2024
SUMMER_MONTHS = {7, 8}
FAULTS_FILE = "expected_faults.json"
FIXED_EXPORT = dt.datetime(2025, 1, 1, 12, 0)

MARKERS = [("ja", "nee"), ("j", "n"), ("x", ""), ("1", "0")]
GROUP_STYLES = ["{}", "{}", "groep {}", "Groep {}"]
TITLES = ["Sport en spel", "Theaterworkshop", "Proefjeslab", "Samenwerkingsspel", "Natuurspeurtocht",
          "Muziek maken", "Kijkje bij de bakker", "Dansworkshop", "Programmeren met robots", "Circusmiddag",
          "Weerbaarheidstraining", "Fotografie", "Boerderijbezoek", "Tekenen en schilderen"]
EXTRA_TITLES = ["Voetbalclinic", "Zeepkistenrace", "Kunstroute", "Klimmen en klauteren", "Toneelproject",
                "Techniekweek", "Korfbaltoernooi", "Stripverhaal maken"]
UNPLANNED_TITLE = "Schaatsmiddag"
UNKNOWN_THEMES = ["Koken", "Techniek", "Natuur"]
UNKNOWN_AREAS = ["Emmen", "Assen", "Stadskanaal"]
IDEAS = ["meer voetbal", "paardrijden", "een keer koken", "naar de dierentuin", "dansen", "graffiti spuiten",
         "klimmen", "een toneelstuk maken", "met de brandweer mee", "slijm maken", "een film maken",
         "trampolinespringen"]
TRICKY_IDEAS = ["<b>meer voetbal</b>", "=meer dansen"]
PARENT_REMARKS = ["Mijn kind komt altijd enthousiast thuis.", "Graag eerder de data doorgeven.",
                  "Fijn initiatief!", "Het tijdstip valt samen met de sportclub.", "Meer buiten graag."]
STAFF_REMARKS = ["Goede sfeer, de kinderen werkten goed samen.", "Onrustige groep aan het begin.",
                 "Te weinig begeleiders voor deze groep.", "Leerkracht was erg betrokken."]
COMPLAINTS = {"interactie": "Begeleider sprak kinderen op harde toon aan.",
              "organisatie": "Activiteit begon een half uur te laat.",
              "overig": "Jas kwijtgeraakt tijdens de activiteit.",
              "pesten": "Kind werd uitgelachen door andere kinderen."}
FIRST_NAMES = ["Anouk", "Bram", "Carla", "Dirk", "Esther", "Femke", "Gert", "Hanneke", "Ingrid", "Jan",
               "Karin", "Lars", "Marieke", "Niels", "Petra", "Rik", "Sanne", "Wendy"]
LAST_NAMES = ["Bakker", "de Boer", "Dijkstra", "de Haan", "Jansen", "Kuiper", "Meijer", "Mulder", "Postma",
              "Smit", "Visser", "de Wit", "Zijlstra"]
SUPERVISOR_ORGANISATIONS = ["Welzijnsorganisatie", "Sportvereniging", "Muziekschool", "Bibliotheek",
                            "Kunstencentrum"]
PARTNERS = ["Kinderopvang", "Bibliotheek", "Sportbedrijf", "GGD", "Welzijnswerk", "Peuterspeelzaal"]
SPENDING_ITEMS = ["inhuur begeleiding", "materialen", "training leerkrachten", "activiteit", "coördinatie"]
EXPERIENCES = ["Goede opkomst, scholen doen actief mee.", "Lastig om ouders te bereiken.",
               "Samenwerking met de school verloopt soepel.", "Planning liep vertraging op."]
RESULTS = ["Meer kinderen bereikt dan vorig half jaar.", "Eerste bijeenkomst gehouden.",
           "Aanpak vastgelegd in een werkplan.", "Nog geen zichtbare resultaten."]


@dataclass(frozen=True)
class Child:
    school: str
    pupil: str
    group: int


@dataclass(frozen=True)
class Session:
    day: dt.date
    title: str
    area: str
    target_group: str
    theme_1: str
    theme_2: str | None
    kind: str
    supervisors: int

    @property
    def key(self) -> tuple[dt.date, str, str]:
        return self.day, self.title, self.area


@dataclass
class Delivery:
    """One file's rows by canonical field, and the faults planted in some of them."""

    config: Config
    source: str
    rows: list[tuple[dict[str, object], tuple[str, str] | None]] = field(default_factory=list)

    @property
    def fields(self) -> list[str]:
        return list(SOURCES[self.source].fields)

    @property
    def header(self) -> list[str]:
        mapping = self.config.sources.get(self.source)
        headers = SOURCES[self.source].headers(mapping.columns if mapping else {})
        return [headers[name] for name in self.fields]

    def add(self, **values: object) -> None:
        self.rows.append((values, None))

    def plant(self, rng: random.Random, field_name: str, kind: str, /, after: int = -1, **values: object) -> None:
        """Insert a row with one fault, in `field_name`, somewhere after row index `after`."""
        self.rows.insert(rng.randint(after + 1, len(self.rows)), (values, (field_name, kind)))

    def values(self) -> list[list[object]]:
        return [[row.get(name) for name in self.fields] for row, _ in self.rows]

    def faults(self, coalition: str, file_name: str, first_row: int) -> list[dict]:
        """Where the planted faults ended up, as the person sees them in the written file."""
        header = dict(zip(self.fields, self.header))
        found = []
        for index, (row, fault) in enumerate(self.rows):
            if fault:
                name, kind = fault
                found.append({"coalition": coalition, "file": file_name, "row": first_row + index,
                              "column": header[name], "value": str(row[name]), "kind": kind})
        return found


class _FixedTimeZip(zipfile.ZipFile):
    """openpyxl stamps every part with the current time; a fixed stamp keeps the bytes reproducible."""

    def __init__(self, path: Path, stamp: dt.datetime):
        super().__init__(path, "w", zipfile.ZIP_DEFLATED)
        self.stamp = stamp.timetuple()[:6]

    def writestr(self, name, data, compress_type=None, compresslevel=None):
        if not isinstance(name, zipfile.ZipInfo):
            name = zipfile.ZipInfo(name, date_time=self.stamp)
            name.compress_type = zipfile.ZIP_DEFLATED
            name.external_attr = 0o600 << 16
        super().writestr(name, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        self.writestr(arcname or str(filename), Path(filename).read_bytes(), compress_type, compresslevel)


def write_csv(path: Path, rows: list[list[object]], separator: str = ";", encoding: str = "utf-8") -> Path:
    """Write rows as Excel and the Forms tools do: CRLF line ends, quoting only where needed."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=separator, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]], title: str | None = None, sheet: str = "Blad1",
               exported: dt.datetime = FIXED_EXPORT, trailing_rows: int = 0) -> Path:
    """Write a workbook whose bytes depend only on its content and `exported`, never on the clock."""
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    if title:
        append_row(worksheet, [title])
        worksheet.append([])
    for row in rows:
        append_row(worksheet, row)
    for cell in (c for row in worksheet.iter_rows() for c in row if isinstance(c.value, dt.datetime)):
        cell.number_format = "dd-mm-yyyy" if cell.value.time() == dt.time(0) else "dd-mm-yyyy hh:mm:ss"
    last = worksheet.max_row
    for number in range(last + 1, last + trailing_rows + 1):  # formatted but empty, as Excel keeps them
        for column in range(1, max(len(r) for r in rows) + 1):
            worksheet.cell(number, column).border = Border(bottom=Side(style="thin"))
    workbook.properties.created = workbook.properties.modified = exported
    ExcelWriter(workbook, _FixedTimeZip(path, exported)).save()
    return path


def _spelled(rng: random.Random, name: str, aliases: list[str], share: float = 0.08) -> str:
    """A name as people type it: mostly canonical, sometimes an alias, lower case or a stray space."""
    draw = rng.random()
    if draw < share and aliases:
        return rng.choice(aliases)
    if draw < 1.5 * share:
        return rng.choice([name, *aliases]).lower()
    if draw < 2 * share:
        return name + " "
    return name


def _aliases(config: Config) -> dict[str, list[str]]:
    places = {a.name: a.aliases for a in config.areas}
    return places | {s.name: s.aliases for a in config.areas for s in a.schools}


def _school_days(period: Period) -> list[dt.date]:
    days = (period.start + dt.timedelta(n) for n in range((period.end - period.start).days + 1))
    return [d for d in days if d.weekday() < 5 and d.month not in SUMMER_MONTHS]


def _moment(rng: random.Random, day: dt.date, used: set[dt.datetime], hours: tuple[int, int]) -> dt.datetime:
    """A time on `day` no other response of the same file has: timestamps are part of natural keys."""
    while True:
        moment = dt.datetime.combine(day, dt.time(rng.randint(*hours), rng.randrange(60), rng.randrange(60)))
        if moment not in used:
            used.add(moment)
            return moment


def _unknown(names: list[str], known) -> str:
    return next(n for n in names if not known(n))


def _impossible_date(period: Period) -> str:
    """The 31st of the period's first school month that has no 31st."""
    month = next(d for d in _school_days(period) if (d.replace(day=28) + dt.timedelta(3)).month != d.month)
    return f"31-{month.month:02d}-{month.year}"


def _date(day: dt.date) -> str:
    return day.strftime("%d-%m-%Y")


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%d-%m-%Y %H:%M:%S")


class Backpack:
    """A School en Omgeving coalition: sessions per village, the children who come, their surveys."""

    def __init__(self, config: Config, rng: random.Random):
        self.config, self.rng = config, rng
        self.aliases = _aliases(config)
        self.periods = periods_of_school_year(SCHOOL_YEAR, config)
        self.pools = {school: self._pool(school) for school in config.schools()}
        self.weekday = {a.name: rng.randrange(4) for a in config.areas}
        areas = [a.name for a in config.areas]
        self.falling = rng.choice(areas)
        self.onderbouw_area = next(a for a in areas if a != self.falling)
        self.active = self._active_children()
        self.sessions = [self._plan(period, index) for index, period in enumerate(self.periods)]
        self.next_response_id = 1

    def _pool(self, school: str) -> list[Child]:
        numbers = self.rng.sample(range(1000, 9999), self.rng.randint(45, 70))
        return [Child(school, str(n), self.rng.randint(1, 8)) for n in numbers]

    def _village_children(self, area: str, groups: range) -> list[Child]:
        schools = next(a.schools for a in self.config.areas if a.name == area)
        return [c for s in schools for c in self.pools[s.name] if c.group in groups]

    def _active_children(self) -> dict[str, list[list[Child]]]:
        """Who takes part per village in each half-year: two villages grow, one shrinks."""
        active = {}
        for area in self.config.areas:
            pool = self._village_children(area.name, range(5, 9))
            first = self.rng.sample(pool, round(0.45 * len(pool)))
            if area.name == self.falling:
                second = self.rng.sample(first, round(0.7 * len(first)))
            else:
                kept = self.rng.sample(first, round(0.85 * len(first)))
                newcomers = [c for c in pool if c not in kept]
                second = kept + self.rng.sample(newcomers, round(0.65 * len(pool)) - len(kept))
            active[area.name] = [first, second]
        return active

    def _plan(self, period: Period, index: int) -> list[Session]:
        themes, days = self.config.themes, _school_days(period)
        months = sorted({(d.year, d.month) for d in days})
        sessions = []
        for area in self.config.areas:
            offset = self.rng.randrange(len(themes))
            for number, month in enumerate(months):
                in_month = [d for d in days if (d.year, d.month) == month and d.weekday() == self.weekday[area.name]]
                first, second = (themes[(2 * number + offset + i) % len(themes)] for i in range(2))
                sessions.append(Session(self.rng.choice(in_month[1:3]), self.rng.choice(TITLES), area.name, "5-8",
                                        first, second, "vast", self.rng.randint(2, 5)))
        for kind in ["10-weeks", "eenmalig"] * (index + 1):
            first, second = self.rng.sample(themes, 2)
            sessions.append(Session(self.rng.choice(days), self.rng.choice(EXTRA_TITLES),
                                    self.rng.choice(self.config.areas).name, "5-8", first, second, kind,
                                    self.rng.randint(2, 5)))
        if index == len(self.periods) - 1:
            for day in sorted(self.rng.sample(days, 3)):
                first, second = self.rng.sample(themes, 2)
                sessions.append(Session(day, "Kleuterplein", self.onderbouw_area, "1-4", first, second, "vast",
                                        self.rng.randint(3, 5)))
        same, single = self.rng.sample(range(len(sessions)), 2)
        sessions[same] = replace(sessions[same], theme_2=sessions[same].theme_1)
        sessions[single] = replace(sessions[single], theme_2=None)
        unique = {s.key: s for s in sessions}
        return sorted(unique.values(), key=lambda s: (s.day, s.area, s.title))

    def files(self) -> list[tuple[str, Delivery, dict]]:
        """Each file to write: its name, its rows, and how its tool writes it."""
        result = []
        for index, period in enumerate(self.periods):
            exported = dt.datetime.combine(period.end, dt.time(16, 0))
            title = f"Jaarplanning {self.config.programme.name} {period.name.rsplit('-', 1)[0]}"
            attendance = self._attendance(period, index)
            header = [f" {h} " if h == "Dorp" and index == 0 else h for h in attendance.header]
            result += [
                (f"activiteiten_{period}.xlsx", self._planning(index),
                 {"xlsx": True, "exported": exported, "title": title, "sheet": "Planning"}),
                (f"aanwezigheid_{period}.csv", attendance,
                 {"separator": ";", "encoding": "cp1252", "header": header}),
                (f"kindvragenlijst_{period}.xlsx", self._children(period, index),
                 {"xlsx": True, "exported": exported, "sheet": "Form1"}),
                (f"oudervragenlijst_{period}.csv", self._parents(period, index),
                 {"separator": ",", "encoding": "utf-8"}),
                (f"begeleidersfeedback_{period}.csv", self._staff(index),
                 {"separator": ",", "encoding": "utf-8-sig"}),
                (f"klachten_{period}.csv", self._complaints(period, index),
                 {"separator": ";", "encoding": "cp1252", "trailing_column": True}),
            ]
        year = self.periods[0].name.rsplit("-", 1)[0]
        registered = dt.datetime.combine(self.periods[0].start, dt.time(9, 0))
        result += [
            (f"begeleiders_{year}.xlsx", self._supervisors(), {"xlsx": True, "exported": registered,
                                                               "sheet": "Register"}),
            (f"leerlingaantallen_{year}.xlsx", self._pupil_counts(year),
             {"xlsx": True, "exported": registered, "trailing_rows": 2}),
            (f"duidingen_{year}.xlsx", _interpretations(self.config),
             {"xlsx": True, "exported": dt.datetime.combine(self.periods[-1].end, dt.time(17, 0)),
              "sheet": "Duidingen"}),
        ]
        return result

    def _planning(self, index: int) -> Delivery:
        delivery = Delivery(self.config, "activiteiten")
        for s in self.sessions[index]:
            delivery.add(session_date=dt.datetime.combine(s.day, dt.time(0)), title=s.title, area=s.area,
                         target_group=s.target_group, theme_1=s.theme_1, theme_2=s.theme_2, kind=s.kind,
                         supervisors=s.supervisors)
        if index == 0:
            s = self.rng.choice(self.sessions[index])
            taken = {x.title for x in self.sessions[index] if (x.day, x.area) == (s.day, s.area)}
            catalogue = {normalise_name(t) for t in self.config.themes}
            delivery.plant(self.rng, "theme_2", "unknown_theme",
                           session_date=dt.datetime.combine(s.day, dt.time(0)),
                           title=self.rng.choice([t for t in EXTRA_TITLES if t not in taken]), area=s.area,
                           target_group="5-8", theme_1=s.theme_1,
                           theme_2=_unknown(UNKNOWN_THEMES, lambda t: normalise_name(t) in catalogue),
                           kind="eenmalig", supervisors=2)
        return delivery

    def _registered(self, session: Session, index: int) -> list[tuple[Child, bool]]:
        """Children on a session's list and whether they came; groups 1-4 sessions always reach ten."""
        if session.target_group == "1-4":
            children = self.rng.sample(self._village_children(session.area, range(1, 5)), self.rng.randint(12, 16))
            absent = set(self.rng.sample(range(len(children)), 2))
            return [(c, i not in absent) for i, c in enumerate(children)]
        active = self.active[session.area][index]
        children = self.rng.sample(active, self.rng.randint(len(active) // 2, len(active) * 4 // 5))
        return [(c, self.rng.random() < 0.85) for c in children]

    def _attendance(self, period: Period, index: int) -> Delivery:
        delivery = Delivery(self.config, "aanwezigheid")
        markers = {s: self.rng.choice(MARKERS) for s in self.config.schools()}
        styles = {s: self.rng.choice(GROUP_STYLES) for s in self.config.schools()}
        lists = {}

        def row(session: Session, child: Child, present: bool) -> dict[str, object]:
            return dict(session_date=_date(session.day), title=session.title,
                        area=_spelled(self.rng, session.area, self.aliases[session.area]),
                        school=_spelled(self.rng, child.school, self.aliases[child.school]),
                        school_group=styles[child.school].format(child.group), pupil=child.pupil,
                        present=markers[child.school][0 if present else 1])

        for session in self.sessions[index]:
            lists[session.key] = self._registered(session, index)
            for child, present in sorted(lists[session.key], key=lambda r: (r[0].school, int(r[0].pupil))):
                delivery.add(**row(session, child, present))

        def newcomer(**changes: object) -> dict[str, object]:
            """A row for a child not on the list of a session for groups 5-8, with `changes` applied."""
            session = self.rng.choice([s for s in self.sessions[index] if s.target_group == "5-8"])
            listed = {c for c, _ in lists[session.key]}
            child = self.rng.choice([c for c in self.active[session.area][index] if c not in listed])
            return {**row(session, child, True), **changes}

        if index == 0:
            delivery.plant(self.rng, "school_group", "invalid_group", **newcomer(school_group="9"))
            planned = {s.day for s in self.sessions[index]}
            day = next(d for d in _school_days(period) if d not in planned)
            delivery.plant(self.rng, "title", "session_not_planned",
                           **newcomer(session_date=_date(day), title=UNPLANNED_TITLE))
        else:
            delivery.plant(self.rng, "session_date", "impossible_date",
                           **newcomer(session_date=_impossible_date(period)))
            original = self.rng.choice([i for i, (_, fault) in enumerate(delivery.rows) if not fault])
            delivery.plant(self.rng, "pupil", "duplicate_row", after=original, **delivery.rows[original][0])
        return delivery

    def _children(self, period: Period, index: int) -> Delivery:
        """A Microsoft Forms export; IDs continue where the previous half-year's export stopped."""
        delivery = Delivery(self.config, "kindvragenlijst")
        schools = self.config.schools()
        silent = self.rng.choice(schools)  # a school that delivered no responses this half-year
        used: set[dt.datetime] = set()
        count = self.rng.randint(60, 120)
        ideas = TRICKY_IDEAS + [self.rng.choice(IDEAS) if self.rng.random() < 0.4 else None
                                for _ in range(count - len(TRICKY_IDEAS))]
        self.rng.shuffle(ideas)
        moments = sorted(_moment(self.rng, self.rng.choice(_school_days(period)), used, (9, 15))
                         for _ in range(count))
        for number, (done, idea) in enumerate(zip(moments, ideas), start=self.next_response_id):
            school = self.rng.choice([s for s in schools if s != silent])
            delivery.add(response_id=number, started_at=done - dt.timedelta(minutes=self.rng.randint(2, 9)),
                         completed_at=done, email="anonymous", name=None,
                         school=_spelled(self.rng, school, self.aliases[school]),
                         school_group=str(self.rng.randint(5, 8)),
                         feels_safe=self.rng.choices(["Ja", "Een beetje", "Nee"], [90, 7, 3])[0],
                         knows_where_to_go=self.rng.choices(["Ja", "Nee"], [90, 10])[0],
                         enjoyment=self.rng.choices(range(1, 6), [2, 3, 15, 40, 40])[0], idea=idea)
        if index == 1:
            done = _moment(self.rng, self.rng.choice(_school_days(period)), used, (9, 15))
            delivery.plant(self.rng, "enjoyment", "out_of_range", response_id=self.next_response_id + count,
                           started_at=done - dt.timedelta(minutes=4), completed_at=done, email="anonymous",
                           name=None, school=schools[0], school_group="6", feels_safe="Ja",
                           knows_where_to_go="Ja", enjoyment=7, idea=None)
        self.next_response_id += len(delivery.rows)
        return delivery

    def _parents(self, period: Period, index: int) -> Delivery:
        delivery = Delivery(self.config, "oudervragenlijst")
        used: set[dt.datetime] = set()
        schools = self.config.schools()

        def answer(moment: dt.datetime, feels_safe: object) -> dict[str, object]:
            school = self.rng.choice(schools)
            return dict(submitted_at=_stamp(moment), school=_spelled(self.rng, school, self.aliases[school]),
                        feels_safe=feels_safe,
                        knows_where_to_complain=self.rng.choices(["Ja", "Nee"], [88, 12])[0],
                        satisfaction=self.rng.choices(range(1, 6), [2, 5, 18, 40, 35])[0],
                        remark=self.rng.choice(PARENT_REMARKS) if self.rng.random() < 0.3 else None)

        moments = sorted(_moment(self.rng, self.rng.choice(_school_days(period)), used, (18, 22))
                         for _ in range(self.rng.randint(25, 45)))
        for moment in moments:
            delivery.add(**answer(moment, self.rng.choices(range(1, 6), [1, 2, 5, 40, 52])[0]))
        if index == 0:
            delivery.plant(self.rng, "feels_safe", "out_of_range",
                           **answer(_moment(self.rng, moments[-1].date(), used, (18, 22)), 6))
        return delivery

    def _staff(self, index: int) -> Delivery:
        delivery = Delivery(self.config, "begeleidersfeedback")
        used: set[dt.datetime] = set()

        def feedback(session: Session, role: str, area: str) -> dict[str, object]:
            return dict(submitted_at=_stamp(_moment(self.rng, session.day, used, (17, 21))), role=role,
                        activity_date=_date(session.day), area=area,
                        group_atmosphere=self.rng.choices(range(1, 6), [1, 2, 12, 45, 40])[0],
                        cooperation=self.rng.choices(range(1, 6), [1, 2, 12, 45, 40])[0],
                        remark=self.rng.choice(STAFF_REMARKS) if self.rng.random() < 0.3 else None)

        for session in self.sessions[index]:
            for role in ["begeleider"] + (["leerkracht"] if self.rng.random() < 0.5 else []):
                delivery.add(**feedback(session, role, _spelled(self.rng, session.area, self.aliases[session.area])))
        if index == 0:
            delivery.plant(self.rng, "area", "unknown_area",
                           **feedback(self.rng.choice(self.sessions[index]), "begeleider",
                                      _unknown(UNKNOWN_AREAS, self.config.area_of)))
        return delivery

    def _complaints(self, period: Period, index: int) -> Delivery:
        delivery = Delivery(self.config, "klachten")
        categories = [["interactie", "organisatie"], ["overig"]][index]
        days = sorted(self.rng.sample(_school_days(period), len(categories) + 1))
        for day, category in zip(days, categories):
            delivery.add(complaint_date=_date(day), area=self.rng.choice(self.config.areas).name, category=category,
                         description=COMPLAINTS[category], status=self.rng.choice(["open", "afgehandeld"]))
        if index == 1:
            delivery.plant(self.rng, "category", "unknown_category", complaint_date=_date(days[-1]),
                           area=self.rng.choice(self.config.areas).name, category="pesten",
                           description=COMPLAINTS["pesten"], status="open")
        return delivery

    def _supervisors(self) -> Delivery:
        """A register: most structural supervisors hold a VOG, one does not; a few dates typed as text."""
        delivery = Delivery(self.config, "begeleiders")
        names = self.rng.sample([f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES], 12)
        start = self.periods[0].start
        for number, name in enumerate(names):
            structural = number < 9
            issued = start - dt.timedelta(days=self.rng.randint(30, 900))
            vog: object = dt.datetime.combine(issued, dt.time(0))
            if number in (2, 7):
                vog = _date(issued)
            if number == 4 or (not structural and number % 2):
                vog = None
            delivery.add(name=name, organisation=self.rng.choice(SUPERVISOR_ORGANISATIONS),
                         structural="ja" if structural else "nee", vog_date=vog)
        return delivery

    def _pupil_counts(self, year: str) -> Delivery:
        delivery = Delivery(self.config, "leerlingaantallen")
        for school in self.config.schools():
            delivery.add(school_year=year, school=school,
                         **{f"group_{g}": self.rng.randint(15, 35) for g in range(1, 9)})
        return delivery


class Npo:
    """An NPO coalition: the spending ledger over the whole programme, and partner reports per wijk."""

    def __init__(self, config: Config, rng: random.Random):
        self.config, self.rng = config, rng
        self.all_periods = [p for p in programme_periods(config) if self._days(p)]
        self.periods = periods_of_school_year(SCHOOL_YEAR, config)

    def files(self) -> list[tuple[str, Delivery, dict]]:
        ledger = {"separator": ";", "encoding": "cp1252"}
        history = [p for p in self.all_periods if p.end < self.periods[0].start]
        first, last = history[0].name[:4], history[-1].name[5:9]
        result = [(f"bestedingen_{first}-{last}.csv", self._spending(history, fault="outside_programme"), ledger)]
        for index, period in enumerate(self.periods):
            result.append((f"bestedingen_{period}.csv",
                           self._spending([period], fault="unparseable_amount" if index == 0 else None,
                                          correction=index == 1), ledger))
            result.append((f"partnervragenlijst_{period}.csv", self._partners(period, index),
                           {"separator": ",", "encoding": "utf-8"}))
        result.append((f"duidingen_{self.periods[0].name[:9]}.csv", _interpretations(self.config), ledger))
        return result

    def _days(self, period: Period) -> list[dt.date]:
        run = self.config.programme
        return [d for d in _school_days(period) if run.start <= d <= run.end]

    def _amount(self, amount: float) -> str:
        dutch = f"{abs(amount):,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
        sign = "-" if amount < 0 else ""
        return self.rng.choice([f"€ {sign}{dutch}", f"{sign}{dutch}", f"{amount:.2f}"])

    def _spending(self, periods: list[Period], fault: str | None = None, correction: bool = False) -> Delivery:
        """Bookings per wijk, roughly in step with the budget over the programme's run."""
        delivery = Delivery(self.config, "bestedingen")
        share = 1 / len(self.all_periods)
        booked = []
        for period in periods:
            days = self._days(period)
            for area in self.config.areas:
                total = (area.budget or 0) * share * self.rng.uniform(0.7, 1.1)
                weights = [self.rng.uniform(1, 3) for _ in range(self.rng.randint(1, 3))]
                for weight in weights:
                    amount = round(total * weight / sum(weights), 2)
                    booked.append((dict(booking_date=_date(self.rng.choice(days)),
                                        area=_spelled(self.rng, area.name, area.aliases, share=0.12),
                                        spending_point=self.rng.randint(1, 4),
                                        description=f"{self.rng.choice(area.pillars)}: "
                                                    f"{self.rng.choice(SPENDING_ITEMS)}"), amount))
                    delivery.add(**booked[-1][0], amount=self._amount(amount))
        if correction:
            booking, amount = self.rng.choice(booked)
            delivery.add(**{**booking, "description": f"Correctie dubbele boeking {booking['description']}"},
                         amount=self._amount(-amount))
        area = self.rng.choice(self.config.areas)
        base = dict(area=area.name, spending_point=self.rng.randint(1, 4),
                    description=f"{self.rng.choice(area.pillars)}: {self.rng.choice(SPENDING_ITEMS)}")
        if fault == "outside_programme":
            early = self.config.programme.start - dt.timedelta(days=self.rng.randint(10, 40))
            delivery.plant(self.rng, "booking_date", fault, booking_date=_date(early), amount=self._amount(250.0),
                           **base)
        elif fault == "unparseable_amount":
            delivery.plant(self.rng, "amount", fault, booking_date=_date(self.rng.choice(self._days(periods[0]))),
                           amount="twaalf euro", **base)
        return delivery

    def _partners(self, period: Period, index: int) -> Delivery:
        delivery = Delivery(self.config, "partnervragenlijst")
        used: set[dt.datetime] = set()
        days = [d for d in _school_days(period) if d >= period.end - dt.timedelta(days=75)]

        def report(area, organisation: str, reach: object) -> dict[str, object]:
            pillar = self.rng.choice(area.pillars)
            return dict(submitted_at=_stamp(_moment(self.rng, self.rng.choice(days), used, (9, 17))),
                        area=_spelled(self.rng, area.name, area.aliases, share=0.12), organisation=organisation,
                        action=f"{pillar} in de wijk", pillar=pillar,
                        progress=self.rng.choices(range(1, 6), [3, 10, 35, 37, 15])[0], reach=reach,
                        experiences=self.rng.choice(EXPERIENCES), results=self.rng.choice(RESULTS))

        for area in self.config.areas:
            for organisation in self.rng.sample(PARTNERS, self.rng.randint(2, 3)):
                delivery.add(**report(area, organisation, self.rng.randint(10, 150)))
        if index == 1:
            area = self.rng.choice(self.config.areas)
            delivery.plant(self.rng, "reach", "not_a_number", **report(area, "Buurtsportcoach", "ca. 40"))
        return delivery


# The lokale coalitie's interpretation per goal (period, goal number, text, by, approved by), read from the
# example figures of the demo: what its members would write before the reports go to the stuurgroep.
INTERPRETATIONS = {
    "school_en_omgeving": [
        ("2024-2025-H1", "7", "93 kinderen deden mee, maar het bereik blijft laag. De lokale coalitie wil eerst "
         "weten of de uitnodiging via de scholen alle ouders bereikt, voordat het aanbod wordt uitgebreid.",
         "M. Bakker, coördinator Backpack (Andes)", "de lokale coalitie, overleg van 14 januari 2025"),
        ("2024-2025-H2", "1", "Gemiddeld voelt 90% van de kinderen zich veilig, precies het doel; in Valthermond "
         "is dat minder. De coördinator bespreekt met de begeleiders in Valthermond wat kinderen daar een "
         "onveilig gevoel geeft.\n\nTwee van de negen structurele begeleiders hebben geen geldige VOG. De lokale "
         "coalitie adviseert de stuurgroep hen pas weer in te zetten als de VOG er is.",
         "M. Bakker, coördinator Backpack (Andes)", "de lokale coalitie, overleg van 9 september 2025"),
        ("2024-2025-H2", "3", "Het aanbod voor groep 1-4 is gelukt: drie activiteiten met genoeg kinderen, alle "
         "in 2e Exloërmond. Bij een vervolg wil de lokale coalitie dit aanbod ook in Valthermond en Nieuw-Buinen.",
         "M. Bakker, coördinator Backpack (Andes)", ""),
        ("2024-2025-H2", "7", "Het aantal deelnemers groeide van 93 naar 155, maar niet in Valthermond, en het "
         "bereik blijft ver onder de 25%. De lokale coalitie adviseert de stuurgroep bij een vervolg de werving "
         "via de leerkrachten te laten lopen en in Valthermond met een proefles te beginnen.",
         "M. Bakker, coördinator Backpack (Andes)", "de lokale coalitie, overleg van 9 september 2025"),
    ],
    "npo": [
        ("2024-2025-H1", "1", "Driekwart van de wijkbudgetten is besteed. De wijken lopen ongeveer gelijk op; "
         "het projectteam ziet geen reden de verdeling nu te herzien.",
         "projectteam NPO, gemeente Coevorden", "de kernteams, overleg van 20 januari 2025"),
        ("2024-2025-H2", "1", "Aan het eind van de looptijd is 88% van de wijkbudgetten besteed. Aalden en "
         "Zweeloo, Steenwijksmoer en Dalerpeel en Schoonoord en de Kiel blijven achter, omdat daar acties later "
         "begonnen. Het projectteam stelt voor het resterende budget van deze wijken in het LEA te herverdelen "
         "of te reserveren voor het borgen van de acties die werken.",
         "projectteam NPO, gemeente Coevorden", "de kernteams, overleg van 8 september 2025"),
        ("2024-2025-H2", "3", "In geen enkele wijk werken de acties aan alle gekozen pijlers. Ouderbetrokkenheid, "
         "door alle acht wijken gekozen, kreeg in zes wijken geen actie. De kernteams bespreken in het najaar of "
         "zij hun keuze van pijlers aanpassen of een actie voor ouderbetrokkenheid zoeken.",
         "projectteam NPO, gemeente Coevorden", "de kernteams, overleg van 8 september 2025"),
    ],
}


def _interpretations(config: Config) -> Delivery:
    delivery = Delivery(config, "duidingen")
    for period, goal, text, by, approved in INTERPRETATIONS[config.programme.kind]:
        delivery.add(about_period=period, goal=goal, text=text, interpreted_by=by, approved_by=approved)
    return delivery


KINDS = {"school_en_omgeving": Backpack, "npo": Npo}


def _write(path: Path, delivery: Delivery, options: dict) -> int:
    """Write one delivery; returns the row (or line) number the person sees for its first data row."""
    options = dict(options)
    header = options.pop("header", None) or delivery.header
    if options.pop("xlsx", False):
        write_xlsx(path, [header, *delivery.values()], **options)
        return 4 if options.get("title") else 2
    extra = [""] if options.pop("trailing_column", False) else []
    write_csv(path, [line + extra for line in [header, *delivery.values()]], **options)
    return 2


def write_examples(out_dir: Path, seed: int = 2024) -> dict[str, list[Path]]:
    """Write each shipped coalition's deliveries for the school year, plus the faults planted in them."""
    out_dir = Path(out_dir)
    written: dict[str, list[Path]] = {}
    faults: list[dict] = []
    for name in SHIPPED:
        config = load_config(ROOT / "config" / f"{name}.yaml")
        folder = out_dir / name
        folder.mkdir(parents=True, exist_ok=True)
        coalition = KINDS[config.programme.kind](config, random.Random(f"{seed}/{name}"))
        written[name] = []
        for file_name, delivery, options in coalition.files():
            path = folder / file_name
            faults += delivery.faults(name, file_name, _write(path, delivery, options))
            written[name].append(path)
    (out_dir / FAULTS_FILE).write_text(json.dumps(faults, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return written
