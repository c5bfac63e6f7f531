"""National-scale deliveries for the benchmark: 500 coalitions, 4,000 schools, 1,000,000 children.

One half-year (2024-2025-H1) as the inboxes would hold it: per coalition a programme configuration and
a planning per month, per school per month an attendance export (Dutch Excel CSV, `;`) and a children's
survey export. The survey is written CSV-shaped (same headers as the Forms export) because writing
20,000 XLSX workbooks takes longer than ingesting them; the reader turns both into the same text rows.
`scale` shrinks the country (0.001: one coalition, 1,000 children); the same seed gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml

from schemas import SOURCES

SHIPPED_PLAN = Path(__file__).resolve().parent.parent / "config" / "borger-odoorn.yaml"
COALITIONS = 500
SCHOOLS_PER_COALITION = 8
AREAS_PER_COALITION = 4
CHILDREN = 1_000_000
MONTHS = (8, 9, 10, 11, 12)  # 2024-2025-H1; schools start again on 19 August
YEAR = 2024
FIRST_AUGUST_DAY = 19
CHILDREN_PER_SESSION = 25
SURVEY_SHARE = 20  # a child answers in 2 of every 20 month slots: 0.5 responses per half-year

PLACES = ["Oosterveld", "Westerbroek", "Zuidwolde", "Noordhorn", "Middelstum", "Hoogezand", "Laagkeppel",
          "Nieuwolda", "Oudeschans", "Ter Apel", "Den Ham", "Exloërveen", "Bûtenpost", "Ruinerwold"]
SCHOOL_WORDS = ["de Regenboog", "het Kompas", "de Wegwijzer", "de Klimop", "de Vlinder", "het Palet",
                "de Zonnewijzer", "de Sterrenkijker"]
SCHOOL_KINDS = ["OBS", "CBS", "RKBS", "IKC"]
TITLES = ["Sport en spel", "Theaterworkshop", "Proefjeslab", "Samenwerkingsspel", "Natuurspeurtocht",
          "Muziek maken", "Kijkje bij de bakker", "Dansworkshop", "Programmeren met robots", "Circusmiddag",
          "Weerbaarheidstraining", "Fotografie", "Boerderijbezoek", "Tekenen en schilderen"]
THEMES = ["Sport", "Cultuur", "Cognitieve ontwikkeling", "Sociale ontwikkeling", "Oriëntatie op jezelf en de wereld"]
MARKERS = [("ja", "nee"), ("j", "n"), ("x", ""), ("1", "0")]
IDEAS = ["meer voetbal", "paardrijden", "een keer koken", "naar de dierentuin", 'een "echte" film maken',
         "klimmen; en ook abseilen", "", "", "", ""]
SAFE = ["Ja"] * 8 + ["Een beetje", "Nee"]


@dataclass(frozen=True)
class Shape:
    """How big the country is at a scale: coalitions, and children per school."""

    coalitions: int
    children_per_school: int

    @classmethod
    def at(cls, scale: float) -> Shape:
        coalitions = max(1, round(COALITIONS * scale))
        return cls(coalitions, max(10, round(CHILDREN * scale / (coalitions * SCHOOLS_PER_COALITION))))

    @property
    def schools(self) -> int:
        return self.coalitions * SCHOOLS_PER_COALITION

    @property
    def children(self) -> int:
        return self.schools * self.children_per_school

    @property
    def attendance_rows(self) -> int:
        return self.children * len(MONTHS)

    @property
    def survey_rows(self) -> int:
        per_school = sum(1 for i in range(self.children_per_school)
                         for m in range(len(MONTHS)) if i % SURVEY_SHARE in (2 * m, 2 * m + 1))
        return per_school * self.schools

    @property
    def sessions_per_area(self) -> int:
        """Sessions per area per month: two schools' children, one session each, ~25 to a session."""
        per_area = self.children_per_school * SCHOOLS_PER_COALITION // AREAS_PER_COALITION
        return max(2, -(-per_area // CHILDREN_PER_SESSION))


def _configuration(number: int) -> dict:
    """A synthetic programme: four places with two schools each, one spelled with an alias."""
    areas = []
    for a in range(AREAS_PER_COALITION):
        place = f"{PLACES[(number + a) % len(PLACES)]} {number:03d}-{a + 1}"
        schools = [{"name": f"{SCHOOL_KINDS[(a + s) % 4]} {SCHOOL_WORDS[(2 * a + s) % 8]} {number:03d}",
                    "aliases": [f"{SCHOOL_WORDS[(2 * a + s) % 8]} {number:03d}"]} for s in range(2)]
        areas.append({"name": place, "aliases": [place.replace("-", " ")], "schools": schools})
    return {"programme": {"name": f"Kansenmonitor {number:03d}", "kind": "school_en_omgeving",
                          "start": dt.date(YEAR, 8, 1), "end": dt.date(YEAR + 1, 7, 31)},
            "areas": areas, "themes": THEMES, "min_respondents": 10, **_plan()}


def _plan() -> dict:
    """Targets and goals as the Backpack plan words them, so indicators and reports have work to do."""
    shipped = yaml.safe_load(SHIPPED_PLAN.read_text(encoding="utf-8"))
    return {"targets": shipped["targets"], "goals": shipped["goals"]}


def _school_days(month: int) -> list[dt.date]:
    first = dt.date(YEAR, month, FIRST_AUGUST_DAY if month == 8 else 1)
    days = [first + dt.timedelta(n) for n in range(31)]
    return [d for d in days if d.month == month and d.weekday() < 5]


def _csv(path: Path, rows: list[list[object]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8"))


def _header(source: str) -> list[str]:
    return list(SOURCES[source].headers({}).values())


def write_coalition(out_dir: Path, number: int, shape: Shape, seed: int) -> dict[str, int]:
    """Write one coalition's configuration and inbox; returns the rows written per source."""
    rng = random.Random(f"{seed}-{number}")
    config = _configuration(number)
    home = out_dir / f"kansenmonitor-{number:03d}"
    inbox = home / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    (home / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    counts = {"activiteiten": 0, "aanwezigheid": 0, "kindvragenlijst": 0}
    response_id = 0
    for m, month in enumerate(MONTHS):
        days = _school_days(month)
        planning, sessions = [_header("activiteiten")], {}
        for a, area in enumerate(config["areas"]):
            sessions[a] = []
            for j in range(shape.sessions_per_area):
                title = TITLES[j % len(TITLES)] + (f" {j // len(TITLES) + 1}" if j >= len(TITLES) else "")
                session = (days[j % len(days)].strftime("%d-%m-%Y"), title, area["name"])
                themes = rng.sample(THEMES, 2)
                planning.append([*session, "1-4" if j % 2 == 0 else "5-8", themes[0], themes[1],
                                 rng.choice(["vast", "vast", "10-weeks", "eenmalig"]), rng.randint(1, 4)])
                sessions[a].append(session)
        _csv(inbox / f"activiteiten-{YEAR}-{month:02d}.csv", planning)
        counts["activiteiten"] += len(planning) - 1
        for a, area in enumerate(config["areas"]):
            lower, upper = sessions[a][0::2], sessions[a][1::2]
            for s, school in enumerate(area["schools"]):
                number_in_coalition = 2 * a + s
                yes, no = MARKERS[(number + number_in_coalition) % len(MARKERS)]
                attendance, survey = [_header("aanwezigheid")], [_header("kindvragenlijst")]
                spelled = school["aliases"][0] if number_in_coalition % 3 == 0 else school["name"]
                place = area["aliases"][0] if number_in_coalition % 4 == 1 else area["name"]
                for i in range(shape.children_per_school):
                    group = 1 + i % 8
                    pool = lower if group <= 4 else upper
                    day, title, _ = pool[(i // 8 + m) % len(pool)]
                    attendance.append([day, title, place, spelled, f"groep {group}" if i % 5 == 0 else group,
                                       100_000 + i, yes if rng.random() < 0.88 else no])
                    if i % SURVEY_SHARE in (2 * m, 2 * m + 1):
                        response_id += 1
                        done = (dt.datetime.strptime(day, "%d-%m-%Y")
                                + dt.timedelta(hours=15, seconds=response_id % 3600))
                        survey.append([response_id, (done - dt.timedelta(minutes=4)).strftime("%d-%m-%Y %H:%M:%S"),
                                       done.strftime("%d-%m-%Y %H:%M:%S"), "anonymous", "", spelled, group,
                                       rng.choice(SAFE), "Ja" if rng.random() < 0.9 else "Nee", rng.randint(2, 5),
                                       rng.choice(IDEAS)])
                tag = f"{number:03d}-{number_in_coalition + 1}-{YEAR}-{month:02d}"
                _csv(inbox / f"aanwezigheid-{tag}.csv", attendance)
                _csv(inbox / f"kindvragenlijst-{tag}.csv", survey)
                counts["aanwezigheid"] += len(attendance) - 1
                counts["kindvragenlijst"] += len(survey) - 1
    return counts


def generate(out_dir: Path, scale: float = 1.0, seed: int = 2024, workers: int = 1) -> dict[str, int]:
    """Write the country at `scale` under `out_dir`, one folder per coalition; returns rows per source."""
    shape = Shape.at(scale)
    out_dir.mkdir(parents=True, exist_ok=True)
    numbers = range(1, shape.coalitions + 1)
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(write_coalition, [out_dir] * len(numbers), numbers, [shape] * len(numbers),
                                    [seed] * len(numbers), chunksize=8))
    else:
        results = [write_coalition(out_dir, n, shape, seed) for n in numbers]
    return {source: sum(r[source] for r in results) for source in results[0]}


def coalition_dirs(out_dir: Path) -> list[Path]:
    """The generated coalitions' folders, each with `config.yaml` and `inbox/`."""
    return sorted(p for p in out_dir.iterdir() if (p / "config.yaml").exists())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    for source, rows in generate(args.out, args.scale, args.seed, args.workers).items():
        print(f"{source}: {rows}")


if __name__ == "__main__":
    main()
