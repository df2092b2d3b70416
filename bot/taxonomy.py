"""The flaw taxonomy: the single source of truth for what can be wrong in a risk register.

Everything else (scenario schema, evaluator, linter, NLU intent names, API, docs) refers to
these twelve types by their `value`.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class FlawType(str, Enum):
    NOT_A_RISK = "not_a_risk"
    VAGUE_DESCRIPTION = "vague_description"
    SCORE_MISMATCH = "score_mismatch"
    UNDERRATED = "underrated"
    WRONG_OWNER = "wrong_owner"
    MISSING_RESPONSE = "missing_response"
    STRATEGY_MISMATCH = "strategy_mismatch"
    STALE_REVIEW = "stale_review"
    DUPLICATE = "duplicate"
    MISSING_RISK = "missing_risk"
    CLOSED_WITHOUT_REASON = "closed_without_reason"
    NOT_ESCALATED = "not_escalated"


@dataclass(frozen=True)
class FlawKind:
    type: FlawType
    label: str  # short human name, used in progress and debriefs
    what_is_wrong: str
    good_challenge: str
    why_it_matters: str  # the debrief's default lesson when a scenario gives none
    fix_question: str  # what the PM asks once they concede


KINDS: dict[FlawType, FlawKind] = {
    k.type: k
    for k in (
        FlawKind(
            FlawType.NOT_A_RISK,
            "issue logged as a risk",
            "an issue, fact or certainty logged as a risk",
            "Hasn't that already happened? Then it's an issue, not a risk.",
            "A risk is uncertain. Something that has happened (or certainly will) needs managing now "
            "through the issue log and change control, not watching on the risk register.",
            "So where should it go instead, and what happens to it now?",
        ),
        FlawKind(
            FlawType.VAGUE_DESCRIPTION,
            "vague description",
            "no cause, event and effect; can't be assessed or owned",
            "What would cause it, and what would the effect be?",
            "Without cause, event and effect nobody can score, own or act on a risk: "
            "'because of <cause>, <event> may occur, which would lead to <effect>'.",
            "Fine, how would you word it?",
        ),
        FlawKind(
            FlawType.SCORE_MISMATCH,
            "score doesn't add up",
            "score is not probability x impact, or the rating band is wrong",
            "4 x 4 is 16, so why is it scored 8?",
            "The score drives priority, escalation and reporting. A wrong product hides a risk "
            "from the people who should be watching it.",
            "What should the score be, then?",
        ),
        FlawKind(
            FlawType.UNDERRATED,
            "underrated",
            "probability or impact played down against the facts in the brief",
            "Given two late deliveries already, is 'unlikely' right?",
            "Scores must follow the evidence. Optimistic ratings keep a risk below the attention "
            "it needs, and the board learns of it only when it has become an issue.",
            "So what would you rate it?",
        ),
        FlawKind(
            FlawType.WRONG_OWNER,
            "wrong owner",
            "no owner, or an owner without the authority or resources to act",
            "Does she control the contract needed to act on this?",
            "The risk owner must have the authority and resources to manage the risk; actions can "
            "be delegated to actionees, ownership cannot be given to someone who can't act.",
            "So who should own it?",
        ),
        FlawKind(
            FlawType.MISSING_RESPONSE,
            "missing or vague response",
            "no response, or actions that are vague, undated or have no actionee",
            "What exactly will be done, by whom, by when?",
            "A response without a specific action, an actionee and a date is a hope, not a plan; "
            "nobody can check that it happened.",
            "What would you want the action to say?",
        ),
        FlawKind(
            FlawType.STRATEGY_MISMATCH,
            "response strategy doesn't fit",
            "e.g. 'accept' with no contingency, 'transfer' to a party that can't carry it",
            "Who decided to accept this, and what's the fallback?",
            "The response strategy must fit the risk and the appetite: acceptance is a decision "
            "with a fallback and budget, transfer only works to a party that can bear the impact.",
            "What strategy would you use instead?",
        ),
        FlawKind(
            FlawType.STALE_REVIEW,
            "stale review",
            "not reviewed for months, or actions overdue",
            "When was this last looked at, and what has changed?",
            "A register is only as good as its last review. Stale entries and overdue actions "
            "give the board false comfort about risks that have moved.",
            "When will you review it, and with whom?",
        ),
        FlawKind(
            FlawType.DUPLICATE,
            "duplicate risks",
            "two rows describe the same event",
            "Aren't R7 and R12 the same risk?",
            "Duplicates split ownership and actions, double-count exposure and let each owner "
            "assume the other is dealing with it.",
            "Which one do we keep, and who owns it?",
        ),
        FlawKind(
            FlawType.MISSING_RISK,
            "missing risk",
            "an obvious risk in the brief is absent from the register",
            "We have nothing on the supplier going under.",
            "The register is meant to cover the threats the brief makes plain. A gap means "
            "nobody owns it, and it will surface as an issue.",
            "All right, how would you write it up?",
        ),
        FlawKind(
            FlawType.CLOSED_WITHOUT_REASON,
            "closed without reason",
            "closed without evidence that it can no longer happen",
            "What tells us this can't happen any more?",
            "A risk is closed only when it can no longer occur or its proximity has passed, with "
            "the evidence recorded; closing it early removes it from every report.",
            "So what should happen to it?",
        ),
        FlawKind(
            FlawType.NOT_ESCALATED,
            "not escalated",
            "above the agreed tolerance but not escalated",
            "It's above the board's tolerance of 15: has it gone up?",
            "Tolerances say what the board must see. A risk above tolerance that stays on the "
            "project's own register breaks the governance the PMO is there to protect.",
            "Fine, who do we escalate it to and how?",
        ),
    )
}


def kind(flaw_type: FlawType | str) -> FlawKind:
    return KINDS[FlawType(flaw_type)]


# NLU intent for a challenge of each type; the evaluator maps intents back to types.
CHALLENGE_INTENT_PREFIX = "challenge_"


def intent_for(flaw_type: FlawType) -> str:
    return CHALLENGE_INTENT_PREFIX + flaw_type.value


def type_for_intent(intent: str | None) -> FlawType | None:
    if intent and intent.startswith(CHALLENGE_INTENT_PREFIX):
        try:
            return FlawType(intent[len(CHALLENGE_INTENT_PREFIX):])
        except ValueError:
            return None
    return None
