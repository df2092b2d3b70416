"""The flaw taxonomy: the single source of truth for what can be wrong in a risk register, and
(at PMO-manager level) in the risk-management process a draft policy or portfolio report sets out.

Everything else (scenario schema, evaluator, linter, NLU intent names, API, docs) refers to
these types by their `value`. A kind's `family` says which artefact it belongs to; a scenario may
seed types of both families (a portfolio report has register flaws and process flaws).
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
    OPPORTUNITY_SCORED_AS_THREAT = "opportunity_scored_as_threat"
    # Process design (PMO-manager level): a draft policy's clauses or a portfolio report.
    APPETITE_WITHOUT_TOLERANCE = "appetite_without_tolerance"
    ESCALATION_GAP = "escalation_gap"
    OWNERSHIP_UNCLEAR = "ownership_unclear"
    PMO_CONFLICT = "pmo_conflict"
    SCORING_INCONSISTENT = "scoring_inconsistent"
    UNIFORM_REVIEW_CADENCE = "uniform_review_cadence"
    THREATS_ONLY = "threats_only"
    TEMPLATE_GAPS = "template_gaps"
    REPORTING_WITHOUT_INSIGHT = "reporting_without_insight"
    NO_AGGREGATION = "no_aggregation"
    BLAME_CULTURE = "blame_culture"
    NO_LEARNING_LOOP = "no_learning_loop"


@dataclass(frozen=True)
class FlawKind:
    type: FlawType
    label: str  # short human name, used in progress and debriefs
    what_is_wrong: str
    good_challenge: str
    why_it_matters: str  # the debrief's default lesson when a scenario gives none
    fix_question: str  # what the PM asks once they concede
    family: str = "register"  # "register" (a register's rows) or "process" (a policy or report)
    reference: str = ""  # the practice behind it, quoted in the debrief at manager level


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
        FlawKind(
            FlawType.OPPORTUNITY_SCORED_AS_THREAT,
            "opportunity scored as a threat",
            "an opportunity rated on the threat scale: its benefit scored as a low impact because "
            "nothing bad happens, or given a threat response (reduce, avoid) instead of exploit or enhance",
            "R9 would save us 80k if it comes off: why is its impact 1, and why are we 'reducing' it?",
            "An opportunity's impact is the size of the benefit to the objectives. Scored as harm it "
            "sinks to the bottom of the register, nobody is asked to pursue it, and the upside is lost.",
            "So how should it be scored, and what's the response?",
        ),
        FlawKind(
            FlawType.APPETITE_WITHOUT_TOLERANCE,
            "appetite without tolerances",
            "appetite stated in words only, with no measurable tolerances per category",
            "How will a PM know a risk is outside our appetite? Where are the tolerances?",
            "Appetite in words ('cautious') can't be tested. Each category needs a measurable "
            "tolerance in the units of its objectives, or escalation becomes a matter of opinion.",
            "So what would you put in the clause instead?",
            "process",
            "ISO 31000:2018 5.2 and 6.3.4; Orange Book Principle A and the Risk Appetite Guidance Note",
        ),
        FlawKind(
            FlawType.ESCALATION_GAP,
            "escalation gap",
            "thresholds that overlap or leave gaps, skip a tier, or name no route or time limit",
            "A score of 15 is in both the project and programme band: who gets it, and by when?",
            "Overlapping or open-ended bands leave a risk with nobody at the right level, or with two "
            "bodies each assuming the other has it; escalation needs a receiving body, a time limit and "
            "a decision asked for.",
            "How would you set the bands and the route, then?",
            "process",
            "PRINCE2 management by exception; PMI Standard for Risk Management in Portfolios, Programs and Projects",
        ),
        FlawKind(
            FlawType.OWNERSHIP_UNCLEAR,
            "ownership by default",
            "every risk owned by the PM by default, owner and actionee confused, or owners without authority",
            "Shouldn't the owner be whoever can act on it, not the PM by default?",
            "An owner must have the authority and resources to act (often the SRO, a contract holder or "
            "an operational director); the PM and team are more often actionees.",
            "So how would you word ownership?",
            "process",
            "ISO Guide 73 (risk owner); ISO 31000 5.4.3; M_o_R owner and actionee",
        ),
        FlawKind(
            FlawType.PMO_CONFLICT,
            "PMO owns what it should challenge",
            "the PMO made owner or decision-maker of risks, undermining its independent challenge",
            "If the PMO owns these risks, who challenges them?",
            "The PMO facilitates, challenges and assures (second line); owning risks or certifying its own "
            "method leaves nobody independent to challenge them.",
            "Who should hold them instead, and what does the PMO do?",
            "process",
            "IIA Three Lines Model; Orange Book Annex 2; P3O (assurance and challenge)",
        ),
        FlawKind(
            FlawType.SCORING_INCONSISTENT,
            "scoring inconsistent",
            "scales undefined or not comparable across projects; RAG bands inconsistent with the scores",
            "Why is 4 x 4 = 16 amber but 5 x 3 = 15 red?",
            "Scores only rank risks if every project uses the same defined scales and the bands rise "
            "with the score; otherwise the board sees the wrong risks first.",
            "What would you change in the scales or the bands?",
            "process",
            "IEC 31010 (consequence/likelihood matrix); ISO 31000 6.3.4",
        ),
        FlawKind(
            FlawType.UNIFORM_REVIEW_CADENCE,
            "one review cycle for everything",
            "one review frequency for everything; no triggers, proximity or severity-based cadence",
            "Should a red risk due next month wait for the quarterly review?",
            "Cadence should follow proximity, severity and the tier's decision cycle, with event triggers, "
            "or fast-moving risks wait for a meeting while they happen.",
            "How often would you have them reviewed, then?",
            "process",
            "ISO 31000 6.6; Orange Book Principle D; PRINCE2 proximity",
        ),
        FlawKind(
            FlawType.THREATS_ONLY,
            "threats only",
            "no place for opportunities (positive risks) and their responses",
            "Where do we record and pursue opportunities?",
            "Risk is uncertainty either way. Without opportunity scales, owners and responses (exploit, "
            "enhance, share) the organisation can't pursue the upside its appetite allows.",
            "What would you add for opportunities?",
            "process",
            "ISO 31000 3.1 and 6.5.2; M_o_R; PMBOK opportunity responses",
        ),
        FlawKind(
            FlawType.TEMPLATE_GAPS,
            "register template gaps",
            "the register template lacks cause-event-effect, proximity, trigger, inherent vs residual, response owner or date",
            "Without proximity, how do we know what's urgent?",
            "The template decides what every project records. Missing fields (cause, proximity, residual "
            "score, actionee, dates) can't be reported, challenged or aggregated later.",
            "Which fields would you add?",
            "process",
            "PRINCE2 risk register; M_o_R risk register; ISO 31000 6.7",
        ),
        FlawKind(
            FlawType.REPORTING_WITHOUT_INSIGHT,
            "reporting without insight",
            "board reporting limited to a top-N list: no trend, no comparison with appetite, no aggregation",
            "How will the board see whether exposure is rising?",
            "A top-N snapshot hides movement and slow-burners; the board needs trend, current against "
            "target and appetite, decisions asked of it, and emerging risks.",
            "What would you want the report to show?",
            "process",
            "Orange Book Principle D and its risk reporting guide; ISO 31000 6.7",
        ),
        FlawKind(
            FlawType.NO_AGGREGATION,
            "no aggregation",
            "no route for common-cause, cross-project or interdependent risks to be combined at portfolio level",
            "Three projects carry the same supplier risk: where does anyone see that?",
            "Shared causes split across projects each look small; only a portfolio view with one owner "
            "sees the combined exposure and can pull the lever that sits above the projects.",
            "How would you get those combined, and who'd own them?",
            "process",
            "ISO 31000 6.3.4; PMI portfolio risk management; Orange Book portfolio risk guidance",
        ),
        FlawKind(
            FlawType.BLAME_CULTURE,
            "blame culture",
            "wording that punishes raising risks or treats a red risk as failure, discouraging honest reporting",
            "If red means failure, who will report a red risk?",
            "If raising a risk is punished, people hide bad news until it is an issue. Hold people to "
            "account for managing risk (raising early, acting, escalating), not for the risk existing.",
            "How would you word it instead?",
            "process",
            "ISO 31000 principle (g) human and cultural factors; M_o_R supportive culture",
        ),
        FlawKind(
            FlawType.NO_LEARNING_LOOP,
            "no learning loop",
            "closed or materialised risks archived with no lessons, nothing fed back, no review of the process itself",
            "When a risk actually happened, where does the lesson go?",
            "Without a lessons review at closure, a route back into identification and a periodic review "
            "of the process, the same failures recur and the framework never improves.",
            "What would you add so we learn from them?",
            "process",
            "Orange Book Principle E; ISO 31000 5.6-5.7; PRINCE2 learn from experience",
        ),
    )
}


def kind(flaw_type: FlawType | str) -> FlawKind:
    return KINDS[FlawType(flaw_type)]


# The register flaw a process-design flaw looks like from the learner's side: in a draft policy
# "the owner's wrong" is about ownership by default or the PMO owning risks, "it's not escalated"
# about the escalation bands or tolerances. The NLU model knows only the register's intents, so
# at manager level its reading points at these process types (the clause named picks one).
PROCESS_KIN: dict[FlawType, tuple[FlawType, ...]] = {
    FlawType.WRONG_OWNER: (FlawType.OWNERSHIP_UNCLEAR, FlawType.PMO_CONFLICT),
    FlawType.MISSING_RESPONSE: (FlawType.OWNERSHIP_UNCLEAR, FlawType.TEMPLATE_GAPS),
    FlawType.NOT_ESCALATED: (FlawType.ESCALATION_GAP, FlawType.APPETITE_WITHOUT_TOLERANCE),
    FlawType.UNDERRATED: (FlawType.SCORING_INCONSISTENT, FlawType.APPETITE_WITHOUT_TOLERANCE),
    FlawType.SCORE_MISMATCH: (FlawType.SCORING_INCONSISTENT,),
    FlawType.STALE_REVIEW: (FlawType.UNIFORM_REVIEW_CADENCE, FlawType.REPORTING_WITHOUT_INSIGHT),
    FlawType.VAGUE_DESCRIPTION: (FlawType.TEMPLATE_GAPS,),
    FlawType.DUPLICATE: (FlawType.NO_AGGREGATION,),
    FlawType.MISSING_RISK: (FlawType.NO_AGGREGATION, FlawType.THREATS_ONLY),
    FlawType.STRATEGY_MISMATCH: (FlawType.THREATS_ONLY,),
    FlawType.CLOSED_WITHOUT_REASON: (FlawType.NO_LEARNING_LOOP,),
    FlawType.NOT_A_RISK: (FlawType.NO_LEARNING_LOOP, FlawType.BLAME_CULTURE),
    FlawType.OPPORTUNITY_SCORED_AS_THREAT: (FlawType.THREATS_ONLY,),
}


REGISTER_TYPES = tuple(t for t in FlawType if KINDS[t].family == "register")
PROCESS_TYPES = tuple(t for t in FlawType if KINDS[t].family == "process")


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
