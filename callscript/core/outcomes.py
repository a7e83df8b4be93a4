"""Call outcomes (BRIEF, "Call outcomes"): every call ends with exactly one.

In core because the script (which outcome a path ends with), grading (no grade
for a call that reached nobody), the lead life cycle (what happens to the lead
next) and storage all speak this vocabulary, and core imports nothing else.
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    INVALID_NUMBER = "invalid_number"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    CALLBACK = "callback"
    REFUSED = "refused"
    NOT_QUALIFIED = "not_qualified"
    MAILED = "mailed"
    MEMBER_CARE = "member_care"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]

    @property
    def effective(self) -> bool:
        """有效: the number reached the right company."""
        return self not in NOT_EFFECTIVE

    @property
    def someone_on_the_line(self) -> bool:
        """False for 无人接听 and 占线: nobody picked up, so there is no goodbye to say and
        no one to wait for before hanging up (「等对方先挂断电话」 belongs to every other ending)."""
        return self not in NOBODY_ON_THE_LINE


OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.INVALID_NUMBER: "空号/错号",
    Outcome.NO_ANSWER: "无人接听",
    Outcome.BUSY: "占线",
    Outcome.CALLBACK: "约回电",
    Outcome.REFUSED: "拒绝",
    Outcome.NOT_QUALIFIED: "不符合,致谢道别",
    Outcome.MAILED: "寄资料",
    Outcome.MEMBER_CARE: "会员回访",
}

NOT_EFFECTIVE = frozenset({Outcome.INVALID_NUMBER, Outcome.NO_ANSWER, Outcome.BUSY})
NOBODY_ON_THE_LINE = frozenset({Outcome.NO_ANSWER, Outcome.BUSY})
OUTCOME_VALUES: tuple[str, ...] = tuple(o.value for o in Outcome)


def outcomes_offered(*, answered: bool) -> tuple[Outcome, ...]:
    """The outcomes an agent may still end a call with (Ctrl+E), in their order.

    ``answered``: the contact has answered questions (``reached``, or any answer after the
    opening). Then somebody plainly picked up the right number, so 空号/错号, 无人接听 and
    占线 are no longer true and are not offered.
    """
    return tuple(o for o in Outcome if o.effective or not answered)
