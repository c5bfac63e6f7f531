"""Leren from people's own words: the children's ideas grouped and counted, and the remarks of parents, staff
and partners for the audiences the configuration lets read them.

Ideas are grouped on a normalised spelling (case, accents, punctuation and spacing ignored), so
"Paardrijden!" and "paardrijden" count as one. Free text that mentions a person from the registers is
withheld whole: a report must not name a supervisor or partner in someone else's words.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from kansenmonitor.config import Config, normalise_name
from kansenmonitor.publication import GoalInterpretation, Said

PARTICLES = frozenset({"van", "de", "der", "den", "het", "ter", "ten", "te", "in", "op", "la", "le", "du", "da"})
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Idea:
    text: str
    count: int


@dataclass(frozen=True)
class SchoolIdeas:
    school: str
    total: int
    top: list[Idea]


@dataclass(frozen=True)
class Voices:
    """What one audience may read of what people wrote."""

    ideas: list[Idea]
    per_school: list[SchoolIdeas]
    remarks: dict[str, list[tuple[Said, int, list[str]]]]
    withheld: int


def idea_key(text: str) -> str:
    """The spelling-insensitive form ideas are grouped on."""
    return " ".join(WORD.findall(normalise_name(text)))


def group_ideas(texts: list[str]) -> list[Idea]:
    """Ideas counted by their normalised form, most frequent first; each shown in its most common spelling."""
    spellings: dict[str, Counter] = {}
    for text in texts:
        key = idea_key(text)
        if key:
            spellings.setdefault(key, Counter())[text.strip()] += 1
    ideas = [Idea(counter.most_common(1)[0][0], sum(counter.values())) for counter in spellings.values()]
    return sorted(ideas, key=lambda idea: (-idea.count, idea_key(idea.text)))


def name_words(names: list[str]) -> list[set[str]]:
    """Per register name the words that identify the person: particles like `van` and `de` left out."""
    result = []
    for name in names:
        words = {w for w in WORD.findall(normalise_name(name)) if w not in PARTICLES and len(w) > 1}
        if words:
            result.append(words)
    return result


def mentions_a_person(text: str, names: list[set[str]]) -> bool:
    """Whether the text holds a first or last name of someone in the registers."""
    words = set(WORD.findall(normalise_name(text)))
    return any(words & name for name in names)


def voices(config: Config, said: list[Said], names: list[str], audience: str, area: str | None) -> Voices:
    """The ideas and the remarks one audience may read; a kernteam only those of its own area."""
    persons = name_words(names)
    allowed = config.reporting.free_text
    own = [s for s in said if area is None or s.area == area]
    shown, withheld = [], 0
    for item in own:
        if audience not in allowed.get(item.who, []):
            continue
        if mentions_a_person(item.text, persons):
            withheld += 1
        else:
            shown.append(item)
    ideas = [s for s in shown if s.who == "kinderen"]
    schools = dict.fromkeys(s.school for s in ideas)
    per_school = []
    for school in schools:
        grouped = group_ideas([s.text for s in ideas if s.school == school])
        per_school.append(SchoolIdeas(school, sum(i.count for i in grouped),
                                      grouped[:config.reporting.top_ideas_per_school]))
    remarks: dict[str, dict[tuple, list[Said]]] = {}
    for item in shown:
        if item.who != "kinderen":
            remarks.setdefault(item.who, {}).setdefault((item.kind, item.about, idea_key(item.text)), []).append(item)
    grouped = {who: sorted(((same[0], len(same), list(dict.fromkeys(s.school or s.area for s in same)))
                            for same in texts.values()), key=lambda r: -r[1])
               for who, texts in remarks.items()}
    return Voices(group_ideas([s.text for s in ideas]), per_school, grouped, withheld)


@dataclass(frozen=True)
class InterpretationView:
    """The lokale coalitie's interpretation of a goal as a report shows it; `paragraphs` empty when withheld."""

    period: str
    paragraphs: list[str]
    interpreted_by: str
    approved_by: str | None
    withheld: bool


def interpretations(config: Config, items: list[GoalInterpretation], names: list[str], audience: str,
                    periods: list[str], approved_only: bool) -> dict[str, list[InterpretationView]]:
    """Per goal title the interpretations of `periods` this audience reads (`reporting.interpretations_for`); one
    that names a person from the registers is withheld whole, like other people's words. A report that goes
    outside the coalition (`approved_only`) shows only approved ones."""
    if audience not in config.reporting.interpretations_for:
        return {}
    persons = name_words(names)
    result: dict[str, list[InterpretationView]] = {}
    for item in items:
        if item.period not in periods or (approved_only and not item.approved_by):
            continue
        withheld = mentions_a_person(item.text, persons)
        paragraphs = [] if withheld else [p.strip() for p in re.split(r"\n\s*\n", item.text) if p.strip()]
        result.setdefault(item.goal, []).append(
            InterpretationView(item.period, paragraphs, item.interpreted_by, item.approved_by, withheld))
    return result
