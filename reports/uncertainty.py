"""How sure a share from a questionnaire is: its 95 % Wilson interval, and whether a change between two
periods is larger than the noise of two samples.

Only shares resting on people's answers carry sampling noise; a count from a register or planning is the
whole population and changes when the world changes. The difference of two shares is judged with
Newcombe's interval, built from the two Wilson intervals: a change is real when that interval leaves out 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

# Shares of people's answers to a questionnaire: a sample of those who could have answered.
SURVEY_SHARES = frozenset({
    "veiligheid_kinderen", "veiligheid_ouders", "klachtweg_kinderen", "klachtweg_ouders",
    "groepssfeer_aandeel", "voortgang_partners_aandeel",
})
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def has_interval(indicator_id: str) -> bool:
    return indicator_id in SURVEY_SHARES


def wilson(successes: float, total: float) -> Interval:
    """The 95 % Wilson score interval of `successes` out of `total`."""
    low, high = proportion_confint(int(successes), int(total), alpha=1 - CONFIDENCE, method="wilson")
    return Interval(float(low), float(high))


def change_is_real(now: tuple[float, float], before: tuple[float, float]) -> bool:
    """Whether two shares (successes, total) differ beyond the noise: Newcombe's 95 % interval of the
    difference does not contain 0."""
    low, high = confint_proportions_2indep(int(now[0]), int(now[1]), int(before[0]), int(before[1]),
                                           method="newcomb", compare="diff", alpha=1 - CONFIDENCE)
    return low > 0 or high < 0
