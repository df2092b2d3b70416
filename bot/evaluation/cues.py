"""Words that signal which flaw a learner is pointing at.

The NLU model's intent is the first opinion; these cues are a second, explicit one that also
catches the second challenge in a two-challenge message and keeps the tutor usable when the
model is unsure. Patterns are matched on lower-cased text.
"""
from __future__ import annotations

import re

from bot.taxonomy import FlawType as T

# An owner named as a property of actions ("proper actions with an owner and a date", "owned and
# dated actions") is a point about the response, not about who owns the risk.
_ACTION_OWNER = (r"\bactions?\b.{0,40}\b(with|each with|having|have|has|need|needs|and) (an? |a named |named )?owners?\b|"
                 r"\bowners? and (a )?(due )?(dates?|deadlines?)\b|\b(dates?|deadlines?) and (an? )?owners?\b|"
                 r"\b(named|owned) and (dated|timed)\b|\b(dated|timed) and (named|owned)\b|\baction owners?\b")
_OWNER_WORD = r"(?<!with an )(?<!with a named )(?<!action )\bowner\b(?! and (a )?(due )?(dates?|deadlines?)\b)"

# Cues for manager-level phrasings that can also just name a topic ("which adjectives does Cabinet
# use?", "is R6 held at programme level?"): in a plain question they are no sign of a challenge.
_T_OWNED = r"\bowned by (the )?(pms|project managers)\b"
_T_PMO = r"\b(we|us|our (team|office)|the (pmo|portfolio office|office)|(two|three|four|five|a few|a handful of) people)\b.{0,20}\b(no|without|none of the) (budgets?|contracts?|levers|spending|authority)\b"
_T_UNTIL = r"\buntil the next (monthly |quarterly |scheduled )?(review|meeting|board|cycle)\b"
_T_FREEZE = r"\bfreez\w*\b.{0,30}\bregisters?\b|\bregisters?\b.{0,30}\bfrozen\b"
_T_MONTH = r"\b(january|february|march|april|may|june|july|august|september|october|november|december) (position|picture|view|status|snapshot|update|figures)\b"
_T_ADJ = r"\badjectives?\b"
_T_JUDGE = r"\b(judge|decide)s? (for (itself|themselves) |on (its|their) own )?what'?s acceptable\b"
_T_WHY = r"\b(who|nobody|no one|no-one) (looks?|asks?|digs?) (at|into) (why|what went wrong|the cause)\b"
_T_SPREAD = r"\bspread (thin |thinly )?(across|over)\b"
_T_HELD = r"\b(held|kept|sitting|sits|stays?|staying|managed) (at|below|under|beneath) (the )?(programme|project|component)( level)?\b"
_T_FRONT = r"\bin front of (the |our )?([\w-]+ )?(board|committee|sro|sponsor)\b"

_CUES: dict[T, list[str]] = {
    T.NOT_A_RISK: [
        r"already (happened|occurred|late|slipped|missed|failed|gone|behind)",
        r"(has|have|had) already", r"\ban issue\b", r"issue(s)?,? not a risk", r"issue log",
        r"not a risk", r"isn'?t a risk", r"not really a risk", r"(it'?s|that'?s) a (fact|certainty|given)",
        r"\bcertain(ty)?\b", r"not uncertain", r"no uncertainty", r"(it|this) happened",
        r"has happened", r"is happening", r"already an issue",
        r"\bhistory\b", r"past tense", r"probability at all", r"(materiali[sz]ed|crystalli[sz]ed)",
        r"(arrived|came in|turned up|was delivered|delivered) .{0,30}\blate\b",
        # what might happen set against what has: "that's not something that might happen, it has"
        r"(\bnot|n'?t) (something|a thing|an event) that (might|may|could|will) (happen|occur)",
        r"\b(might|may|could) happen\W{1,3}(it|that) (has|did|already)\b",
        r"already (real|spent|incurred|committed|confirmed|known|fact)\b",
    ],
    T.VAGUE_DESCRIPTION: [
        r"\bvague\b", r"too (general|broad|generic)", r"cause(,)? (and|or)?\s*(the )?(event|effect)",
        r"\bcause\b.*\beffect\b", r"what (would|will|could) cause", r"what'?s the cause",
        r"what (would|will) the (effect|impact|consequence) be", r"what does (it|that|this) (even )?mean",
        r"\bmeaningless\b", r"(can'?t|cannot|couldn'?t) (be )?(assess|score|own|measure)",
        r"not specific", r"unclear description", r"badly worded", r"poorly (worded|described)",
        r"too woolly", r"\bwoolly\b", r"reword",
        r"what (does|do) .{0,40}\b(even|actually|really) mean\b", r"risk statement", r"(just|only) a (label|heading|category|topic)",
        r"\ba (label|heading|category)\b", r"\bunspecific\b", r"\bvau?ge\b", r"(no|without a) (cause|trigger|consequence)",
        r"\b(a problem|an issue|a risk) for whom\b", r"\bwhat (happens|would happen) if it (is|does|happens)\b",
    ],
    T.SCORE_MISMATCH: [
        r"\d\s*(x|×|\*|times|by)\s*\d", r"(doesn'?t|does not|don'?t) (add up|multiply|compute|match)",
        r"\bmaths?\b", r"\bmath\b", r"arithmetic", r"add(s)? up", r"calculat", r"multipl",
        r"p\s*(x|×|\*)\s*i", r"probability (x|×|times) impact", r"score (is|looks) wrong",
        r"wrong score", r"score.*(should|ought to) be \d", r"\brag\b", r"rating band",
        r"miscalculat", r"sums?\b",
        r"(double-?check|check|query|question)\b.{0,30}\bscor(e|ing)",
        r"\b(one|two|three|four|five)\s*(x|times|by|multiplied by)\s*(one|two|three|four|five)\b",
        r"\d\s*\+\s*\d", r"\bscor?e (is )?(wrong|off)\b", r"\bformula\b", r"(don'?t|doesn'?t|do not|does not) multiply",
        r"probability \d,? and impact \d", r"probability \d (x|×|\*|times) impact \d",
        r"\b(register|row|it) (shows|says|has) \d{1,2}\b.{0,40}\b(not|but|should|instead)\b", r"\b(that'?s|that is|makes|comes to) \d+,? not \d+",
    ],
    T.UNDERRATED: [
        r"underrated", r"under-rated", r"underestimat", r"under-estimat", r"played? down",
        r"too low", r"(far|very|rather|a bit) low", r"optimistic", r"(is|really) (un)?likely",
        r"'?unlikely'?", r"probability (of )?\d.*(after|given|when|despite)",
        r"should be (higher|rated higher|more likely)", r"rate(d)? (it )?higher",
        r"(impact|probability) (is|seems|looks) (too )?low", r"understat", r"downplay",
        r"more likely than", r"higher than (a|\d)",
        r"(probability|likelihood|impact) (should|ought to|must) be", r"\bdefensible\b", r"wishful",
        r"under-?scored", r"likel[iy]hood .{0,30}(higher|low)", r"\bunderat",
        r"\b(is|as|at) (a |an |probability |likelihood |impact |p|i)?[1-5]( out of (5|five))? (really |actually |still )?(right|fair|realistic|credible|justified|defensible)\b",
        r"\b(looks?|seems?|feels?|bit|rather|too|very|way) (too )?(light|low|generous|soft|rosy)\b",
        r"\b(probability|prob|likelihood|impact|p|i)\s*(of |at )?\d (at least|minimum|or more|or higher|is low)\b",
        r"\bat least (a )?\d\b",
        r"\bonly (a |at )?(p|probability |prob |likelihood |l)\s?\d\b",
        r"\b(probability|likelihood|prob|impact|rating)( of| at)?( \d{1,2})?,? (looks|seems|feels|sounds|is) (wrong|off|odd|questionable|doubtful|suspect)\b",
        r"\b(probability|likelihood|prob|rating) (of |at )?\d\b.{0,40}\b(realistic|credible|believable|enough)\b", r"\b(fantasy|fiction|unrealistic|not realistic|implausible|wishful thinking)\b", r"\b(should|shd|must|ought to) be (a |rated )?\d\b(?!\s*(x|×|\*))",
    ],
    T.WRONG_OWNER: [
        r"\bgive (it|r\s?\d{1,2}) to\b", r"\b(reassign|hand) (it|r\s?\d{1,2}) (over )?to\b",
        # not "actions with an owner and a date": that asks for a real response, not a new owner
        _OWNER_WORD, r"\bowns?\b", r"ownership", r"(?<!named )(?<!dated )\bowned\b(?! and dated)", r"authority", r"accountab",
        r"who should own", r"can'?t own", r"cannot own", r"no owner", r"unowned",
        r"doesn'?t (hold|control|have) the (budget|contract)", r"wrong person",
        r"\bownr\b", r"\bowenr\b", r"right hands", r"wrong hands", r"(holds|hold|holding) the .{0,20}contract",
        r"should sit with", r"right person to", r"\b(should|shud|shd) (be|sit) with\b", r"\bshould be owned by\b",
        r"\b[a-z]+'?s,? not [a-z]+'?s\b", r"\bbelongs? (to|with)\b",
        # an owner who can't do what acting on it takes ("she can't agree heads of terms or sign anything")
        r"\b(he|she|they|who) (can'?t|cannot|can not|isn'?t able to|has no (power|authority) to) (even )?(agree|sign|approve|authori[sz]e|commit|spend|negotiate|instruct|place|hire|recruit|get into|access)\b",
        r"\bwho (on earth |exactly |actually |then )?(is going to|will|would|is meant to|is supposed to) (drive|lead|champion|push|chase|own)\b",
    ],
    T.MISSING_RESPONSE: [
        r"no (actions?|response|plan|mitigation)", r"monitor(ing)? (closely )?(is|isn'?t)",
        r"\bmonitor\b", r"who (does|will do|is doing) what", r"by when", r"\bactionee\b",
        r"no (date|deadline|due date)", r"undated", r"what (exactly )?(will|is going to) be done",
        r"what('?s| is) being done", r"actions? (are|is) (vague|empty|missing|blank)",
        r"mitigation (is )?(vague|missing)", r"no named", r"what'?s the plan", r"\bempty\b",
        r"\bblank\b", r"keep an eye", r"not an action",
        r"no (real|proper|actual|concrete|specific|named|dated) (actions?|mitigations?|response|plan|steps)",
        r"nothing to (check|track)", r"how will we know", r"monitor(ing)? closely", r"\bactoins?\b",
        r"(named|dated),? (and )?(named|dated) actions",
        r"(isn'?t|is not|not|no) (a |an )?(real |proper |actual )?(plan|mitigation|action|response)\b",
        r"keep(ing)? (it )?under review", r"\bactions? (should |needs to |must )?(sits?|be|go|is) with\b",
        r"\bactions?\b[^.?!]{0,100}\b(can'?t|cannot|couldn'?t|unable to|not able to|has no authority to)\b",
        r"can'?t (deliver|carry out|do) (the|that|this|it)", r"who (will|would|is going to) (actually )?do (it|that|this)",
        _ACTION_OWNER,
    ],
    T.STRATEGY_MISMATCH: [
        r"\baccept(ed|ing)?\b", r"\btransfer(red|ring)?\b", r"strategy", r"contingency",
        r"fallback", r"fall-back", r"plan b", r"can'?t (carry|bear|absorb)", r"appetite",
        r"wrong response type", r"why (are we )?accept", r"insurance",
        r"\bindemnit", r"response type", r"\btranfer", r"handed (over )?to", r"liabilit",
        r"who (actually |really |then )?(carries|bears|pays for|picks up|is left holding)",
    ],
    T.STALE_REVIEW: [
        r"last (reviewed|looked at|updated|review)", r"not (been )?(reviewed|updated|looked at)",
        r"\bwhen did (anyone|anybody|someone|somebody|we|you|they|the \w+) last\b",
        r"\bstale\b", r"out of date", r"out-of-date", r"\boverdue\b", r"months? ago",
        r"since (january|february|march|april|may|june|july|august|september|october|november|december|last)",
        r"\bold\b review", r"review date", r"(hasn'?t|haven'?t) (been )?(touched|reviewed|updated)",
        r"past (its|the) due", r"due date (has )?passed", r"outdated", r"when was (it|this|that) last",
        r"looked at (recently|lately)", r"\b(actions?|they) (were|was) (all )?due\b", r"\bdue by \d",
        r"not review?e?d", r"\breviwed\b", r"untouched", r"last review", r"since (the )?(spring|summer|winter|autumn)",
        r"\b(dates?|deadlines?)\b.{0,20}\b(went|gone|have gone|has gone|passed|slipped) (by|past)\b", r"\bages ago\b",
        # a row reporting an old month's state: "it gives the March picture", "that's a May status"
        _T_MONTH,
        # "the row still reads as if the September visit is going ahead": written before things moved
        r"\bstill (reads|reading|says|shows|describes|assumes|is written)\b[^.?!]{0,30}\bas (if|though)\b",
    ],
    T.DUPLICATE: [
        r"duplicat", r"\bdupes?\b", r"same (risk|thing|event|as)",
        r"(logged|listed|recorded|entered|appears|register(ed)?|counted|in|shows? up|turns? up|comes? up) (twice|two times)", r"overlap",
        # "it's on the report twice", "we're showing the migration twice"
        r"\b(is|are|'s|'re|sits?|appears?|shows?|showing|carr(y|ies|ying)) ([\w'-]+ ){0,4}?(twice|two times)\b",
        r"\b(is|are|look like|looks like|seem like|seems like|really|just|actually) (just )?(one|a single) (risk|thing|event)\b",
        r"double[- ]count", r"repeat(ed|s)? (risk|entry)", r"identical", r"the same\b",
        # "Isn't that what the diversion row already covers?"
        r"\b(row|risk|entry|line|one) (already|also) (covers|captures|describes)\b", r"\balready (covered|captured) (by|in|under|as)\b",
        r"merge", r"combine", r"(really|actually|any) different (from|to)", r"both (seem|are|look)( to be)? about",
        r"(isn'?t|is) (that|this|it) (just )?(the same|a repeat)", r"\b(are|is) both (the|about)\b",
        r"\bboth (rows|risks|entries|lines)\b", r"\bboth (read|look|sound|seem)s?( like| to be)?\b",
        r"\bboth (describe|cover|talk about|are about|say)\b",
        # two rows said to be one thing: "they capture a single event", "covering the same problem"
        r"\b(describ|cover|captur|report)\w* (one|a single|the same) (event|thing|risk|problem|issue)\b",
        # one risk held at two levels: "logged on both the project and programme registers"
        r"\b(at|on|in) both (the )?(programme|project|portfolio|component)s?( level)? and (the )?(programme|project|portfolio|component)",
        r"\br\s?\d{1,2} (and|n|&|\+) r\s?\d{1,2},? (are )?both (the|about|describe|cover)\b",
        r"\b(seen|written|told|described|looked at) from (the|a|another|their|our) [\w' -]{0,30}(side|point of view|angle|perspective|end)\b",
    ],
    T.MISSING_RISK: [
        r"nothing (at all )?(on|about|for|covering)", r"(missing|missed) (a )?risk",
        # "nothing in the report about StudentStay", "nothing in rows 1 to 15 covers the bookings"
        r"\bnothing in [\w ,-]{2,30}?\b(about|covers?|covering|on|for)\b", r"(isn'?t|is not|not) (on|in) the register", r"\bnot (on|in) any (row|line|register|entry|report)\b",
        r"no risk (on|about|for)", r"(doesn'?t|does not) cover", r"what about", r"you'?ve missed",
        r"not (been )?(captured|logged|recorded|included)", r"\bmissing\b", r"left out",
        r"(add|log|raise) a (new )?risk", r"where'?s the risk", r"(there'?s|there is) no risk",
        r"nowhere (on|in)", r"\babsent\b", r"\bwhere'?s the [\w -]{2,40} risk\b", r"\bwhere is the [\w -]{2,40} risk\b", r"gap in the register", r"\bforgot",
        r"can'?t (see|find) (that|this|a|any|the) risk", r"risk anywhere",
        r"(can'?t|cannot|don'?t) see anything (on|about|for|covering)",
        r"(couldn'?t|can'?t|cannot|didn'?t|don'?t) (see|find|spot) any(thing| risk)? (on|about|for|covering)",
        r"\bno (row|entry|line|risk) (for|on|about|covering)\b", r"(have|has|there'?s) nothing (on|about)",
        r"(expected|expect|need|want|be) (to see )?a risk (about|for|on|around|covering)",
        r"\b(has|have) (anyone|anybody|we|you|someone|somebody) (logged|raised|captured|recorded|registered|considered) (the |a )?risk\b",
        r"\b(nobody|no one|no-one) (has |have )?(logged|raised|captured|recorded|registered)\b",
        # a knock-on nobody carries: "hasn't anybody tracked...?", "no one has linked the two"
        r"\b(isn'?t|hasn'?t) (anyone|anybody|someone|somebody) (holding|tracking|covering|carrying|connected|linked)\b",
        # (with its auxiliary: "nobody holding the levers is accountable" is about an owner)
        r"\b(nobody|no one|no-one) ((is|has been) (holding|tracking|covering|carrying)|(has )?(connected|linked|joined up))\b",
        r"\b(isn'?t|is not|not|aren'?t) (there|listed|anywhere)\b(?! (a|an|any|some|the)\b)",
        # what was just described, looked for and not found: "I couldn't spot this anywhere"
        r"\b(can'?t|cannot|couldn'?t|don'?t|didn'?t) (see|find|spot) (that|this|it|them|any of (that|this))\b.{0,20}\banywhere\b",
    ],
    T.CLOSED_WITHOUT_REASON: [
        r"\bclosed?\b", r"closing", r"re-?open", r"(can'?t|cannot|no longer) happen",
        r"still (happen|occur|live|open)", r"what evidence", r"prematurely", r"too early",
        r"why (is|was) (it|this|that) closed", r"\b(really|actually|definitely) (finished|over|done with|gone away)\b",
    ],
    T.NOT_ESCALATED: [
        r"escalat", r"toleran", r"threshold", r"(the |programme |project )board", r"\bsro\b",
        r"above (the )?(limit|level|tolerance|threshold|15|12)", r"exceed", r"\bsponsor\b",
        r"raise(d)? (it )?(up|to)", r"go(ne)? up the (line|chain)", r"exception report",
        r"escal(?!at)", r"breach", r"over (the )?(limit|threshold|toleran)", r"project level",
        r"\b(well|way|far|comfortably) (over|above) \d{1,2}\b",
        # kept out of the board's sight: "on this report it was in an annex", "buried in the annex"
        r"\b(buried|hidden|tucked away|left|sits?|sitting|stuck|relegated|was|is) in (an|the) annex\b",
        # where it must be seen: "that has to go to Joanna's board", "send it up to UEB" (not "should
        # it go to the board?", which asks)
        r"\b(has|have|needs?|ought) to go (up |on )?to\b",
        # asking for the record of an escalation that should have happened: "Where's the escalation recorded?"
        r"\bwhere('?s| is| was) (the |its |that )?escalation\b",
        r"\b(send|take) (it |this |that )?up to\b",
        # a risk kept below where it should be seen: "kept under project level", "belongs in front of the SRO"
        _T_HELD,
        _T_FRONT,
    ],
    T.OPPORTUNITY_SCORED_AS_THREAT: [
        r"\bopportunit(y|ies)\b", r"\b(positive|upside) risks?\b", r"\bupside\b",
        r"\b(exploit|enhance)\b", r"\b(scored|rated|treated|handled|scoring|rating) (it )?(like|as) (a|if it were a) (threat|downside|negative)\b",
        r"\b(exploit|enhanc)\w*\b.{0,25}\b(not|rather than|instead of)\b.{0,10}\b(reduc|avoid|mitigat)\w*",
        r"\b(reduc|avoid|mitigat)\w*\b.{0,40}\b(exploit|enhanc)\w*",
        r"\b(treated|handled|scored|rated|pushed through|written up) (as|like) (a |the )?threat",
        r"\b(opportun\w*|upside|positive risk)\b.{0,40}\b(reduce|reducing|reduced|avoid|avoiding|mitigat\w*)\b",
        r"\bthreat (template|scale|matrix|scoring)\b",
        r"\b(good|positive) thing\b", r"\b(benefit|saving|gain)\b.{0,60}\b(impact|scor\w*|rated|rating)\b.{0,20}\b(1|one|low)\b",
        r"\b(reduc\w*|avoid\w*|mitigat\w*)\b.{0,30}\b(an? |the )?(opportunit\w*|upside|saving|benefit)\b",
    ],
    # -- process design (PMO-manager level) -----------------------------------------------------
    T.APPETITE_WITHOUT_TOLERANCE: [
        r"\btolerances?\b.{0,60}\b(missing|none|no|absent|undefined|not (set|defined|stated|given))\b",
        r"\b(no|without|missing|lacks?|lacking|where are the) (measurable |numeric |clear )?tolerances?\b",
        r"\bappetite\b.{0,80}\b(in words|just words|only words|a word|one word|adjective|not measurable|unmeasurable|can'?t (be )?measure|by category|per category)\b",
        r"\b(outside|within|beyond) (our |the )?appetite\b.{0,60}\b(how|who|tell|know)\b",
        r"\b(how|who) (will|would|can|could) (anyone|a pm|pms|we|they|you) (know|tell)\b.{0,60}\bappetite\b",
        r"\bappetite\b.{0,40}\b(meaningless|vague|not testable|untestable)\b",
        # appetite in adjectives only, with no number or criterion to test against
        _T_ADJ, r"\b(where'?s|where is|where are|no|without) (the |our |an? )?(actual |real |measurable )?(risk )?(criteria|criterion)\b",
        r"\b(where'?s|where is|no|without|not one) (the |an? )?(actual |real |single )?(number|figure)s?\b.{0,40}\b(test|measure|judge|against)\b",
        _T_JUDGE,
    ],
    T.ESCALATION_GAP: [
        r"\b(bands?|thresholds?|ranges?)\b.{0,60}\b(overlap|gap|gaps|both|neither|double)\b",
        r"\boverlap(ping)? (bands?|thresholds?|ranges?)\b", r"\bin both (the )?\w+ and\b",
        r"\b(no|without a?|missing) (time ?limit|timescale|deadline|receiving body|route)\b",
        r"\bescalat\w*\b.{0,60}\b(to whom|who (gets|receives|decides)|nowhere|no route|skips?|gap|by when)\b",
        r"\b(falls?|fall) (between|through) (the )?(gap|bands|tiers|cracks)\b", r"\bskip(s|ped)? a tier\b",
        r"\b(both|two|either)\b.{0,40}\bbands?\b", r"\b(no|doesn'?t have an?|without an?|there is no|have no|has no) (programme|program|receiving) board\b",
        r"\bwho (gets|receives|takes) (it|them)\b", r"\bnobody (to )?escalate to\b",
        # one score in two bands: "a 16 is in the 12-16 band and the 15-20 band. Which board gets it?"
        r"\bband\b[^.?!]{0,12}\b(and|as well as)\b[^.?!]{0,8}\b\d{1,2}\s*(-|–|to)\s*\d{1,2}\b",
        r"\bwhich (board|tier|body|committee|forum)\b[^?]{0,20}\b(gets|receives|takes|decides)\b",
    ],
    T.OWNERSHIP_UNCLEAR: [
        # any tier of manager said to own the lot: "project managers own each risk whatever it is"
        r"\b(pm|(project|programme|program) manager)s? (owns?|own all|owning) (all|every|each|everything)\b", r"\bby default\b",
        r"\bowner (and|vs|versus|or) actionee\b", r"\bactionee\b.{0,40}\bowner\b",
        r"\bowner\b.{0,60}\b(authority|can act|able to act|whoever can)\b",
        r"\b(all|every) risks? (are |is )?owned by\b",
        # risks falling to the PMs as a block: "most of them owned by the project managers"
        _T_OWNED,
    ],
    T.PMO_CONFLICT: [
        r"\bpmo\b.{0,60}\b(owns?|owner|owning|decides?|decision|marks? its own|self-?assur|certif|approves?)\b",
        r"\b(owns?|owner|owning)\b.{0,40}\b(pmo|portfolio office)\b", r"\bmark(ing)? (its|their|our) own homework\b",
        # assurance given by the office to itself: "self-assuring", "we'd be assuring ourselves"
        r"\bself-?assur\w*|\bassur\w* (ourselves|itself|themselves)\b",
        r"\bwho (challenges|assures|checks) (them|it|the pmo)\b", r"\b(second|2nd) line\b", r"\bthree lines\b",
        r"\bindependen(t|ce)\b.{0,40}\b(challenge|assurance|pmo)\b",
        # the office itself said to hold none of what owning a risk takes: "our team has no spending
        # authority", "a handful of people without contracts"
        _T_PMO,
    ],
    T.SCORING_INCONSISTENT: [
        r"\b(amber|red|green)\b.{0,60}\b(?!\1\b)(amber|red|green)\b", r"\b(4|5|four|five) ?(x|by) ?(4|5|four|five)\b.{0,40}\bscale\b",
        r"\b(different|inconsistent|incompatible|their own|its own|supplier'?s) (matrix|matrices|scales?|scoring)\b",
        r"\bscales?\b.{0,40}\b(undefined|not defined|no definitions?|descriptors?|not comparable|mixed)\b",
        r"\b(rag|bands?)\b.{0,40}\b(inconsistent|contradict|don'?t match|doesn'?t match|out of line|backwards)\b",
        r"\bsame score\b.{0,40}\bdifferent colou?r\b", r"\b4x4\b|\b4 x 4 (matrix|scale|grid)\b",
        # one yardstick missing: "impact only measured in pounds", "Digital keeps its high/medium/low"
        r"\b(only|just|purely) (measured|scored|counted|rated|assessed) (in|by) (pounds|money|cash|cost|£)",
        r"\bhigh\s?/\s?medium\s?/\s?low\b", r"\b(contractor|supplier|vendor)'?s (own )?(grid|matrix|scale|scoring)\b",
    ],
    T.UNIFORM_REVIEW_CADENCE: [
        r"\b(same|one|single|uniform) (review )?(frequency|cadence|cycle)\b",
        r"\b(all|every) (risks?|registers?)\b.{0,40}\b(monthly|quarterly|same)\b",
        r"\b(wait|waits|waiting) for the (monthly|quarterly|next) (review|meeting)\b",
        # a new risk held back by the cycle: "invisible until the next quarterly review"
        _T_UNTIL,
        _T_FREEZE,
        r"\b(no|without) (event )?triggers?\b", r"\bproximity\b.{0,40}\b(review|cadence|frequency)\b",
        r"\b(review|cadence|frequency)\b.{0,40}\b(proximity|severity|velocity|red risks?)\b",
    ],
    T.THREATS_ONLY: [
        r"\bopportunit(y|ies)\b", r"\b(positive|upside) risks?\b", r"\bthreats? only\b", r"\bonly threats\b",
        r"\b(exploit|enhance)\b", r"\bupside\b",
        # money going begging: "£90k a year on offer", "£1.5m we walked past", "it isn't a threat"
        r"\b(on offer|up for grabs|left on the table)\b", r"\bwalk(ed|ing)? (past|away from)\b",
        r"\b(isn'?t|is not|not|never) a threat\b",
        # a chance the draft turns away: "bids due in February, and C10 declares it out of scope"
        r"\b(opportunit\w*|upside|bids?|funding)\b[^.?!]{0,60}\bout of (scope|the policy)\b",
    ],
    T.TEMPLATE_GAPS: [
        r"\btemplate\b.{0,80}\b(no|missing|lacks?|without|doesn'?t have|hasn'?t got)\b",
        r"\b(no|missing|without a?) (column|field)s? for\b", r"\b(inherent|residual|target) (score|rating)\b",
        r"\b(no|without|missing) (proximity|trigger|cause)\b", r"\bcause[- ]event[- ]effect\b.{0,40}\b(template|field|column)\b",
    ],
    T.REPORTING_WITHOUT_INSIGHT: [
        r"\btop[- ]?(n|5|10|ten|five|twenty)\b", r"\b(no|without|missing|doesn'?t show) (a )?(trend|movement|direction)\b",
        r"\btrend\b", r"\b(against|compared? (with|to)|versus) (the )?appetite\b", r"\blist of the worst\b",
        # what the report is ("it's a snapshot", "a ranked top-ten snapshot"), not the name of
        # the one a clause schedules ("the snapshot on the 20th")
        r"\b(a|an|just|only|one|single|static)( [\w-]+){0,2} snapshot\b",
        r"\b(no|without) (decisions?|asks?) (requested|asked|for the board)\b", r"\bemerging risks?\b",
        r"\b(getting worse|rising|increasing)\b.{0,40}\b(see|tell|know|show)\b",
        # a report that is only a ranking: "merely the largest", "only the top-scoring ones"
        r"\b(just|only|merely|simply) (the |a list of (the )?)?(biggest|largest|highest|highest-scoring|top-scoring|worst)\b",
        # a ranking with no movement: "a league table, not an analysis", "not what has changed"
        r"\b(just |only |merely )?a (list|ranking|league table)\b.{0,30}\bnot\b", r"\bnot (what'?s|what is|what has been) (changing|changed|moving|new)\b",
        # no movement shown: "where's the direction of travel?", "nothing on the page shows it"
        r"\bdirection of travel\b", r"\b(moved|movement|changed) since (last|the last|august|the summer|\w+ month)\b",
        r"\bnothing (on the page|in the (report|pack|paper))\b.{0,20}\b(shows?|says?|tells?)\b",
        r"\b(ten|10|five|5) (biggest|largest|highest|worst)\b",
        r"\b(board|committee|members)\b.{0,24}\b(meant|supposed|expected|asked) to decide\b",
    ],
    T.NO_AGGREGATION: [
        r"\b(common|shared) (cause|supplier|contractor|dependency)\b", r"\bcross[- ](project|cutting|portfolio)\b",
        r"\baggregat", r"\b(combined|total|overall) (exposure|picture)\b", r"\b(three|two|several|all) projects\b.{0,60}\b(same|share|shared)\b",
        r"\bsame (supplier|contractor|cause)\b", r"\binterdependenc", r"\bportfolio[- ]level (view|owner|register|risk)\b",
        r"\bnever (linked|joined up|combined)\b", r"\bjoin(ed)? (them |it )?up\b",
        r"\b(one|single|a) portfolio(-level)? risk\b", r"\bsplit (two|three|four|several) ways\b", r"\badded (together|up)\b",
        # one exposure across the portfolio's pieces, whatever they are called ("across all our sites")
        r"\bacross (two|three|four|several|the|all|our) (projects|programmes|jobs|sites|schemes|contracts|builds)\b", r"\bpull(ing|ed)? (it |them )?together\b",
        # "add them up", "all stop at once", "part of something bigger", "the same firm"
        r"\badd(ing)? (them|it|those|these|the rows) (all )?up\b", r"\ball (stop|fail|slip|go)\w* (at once|together)\b",
        r"\b(all )?at (the same time|once)\b.{0,20}\b(stop|fail|slip|lose)|\b(stop|fail|slip|lose)\w*\b.{0,60}\ball at once\b",
        r"\b(part|piece) of (something|a) bigger\b", r"\bsame (firm|company|supplier|contractor|vendor|builder)\b",
        r"\b(each|every) (row|one|entry|line)\b.{0,50}\b(on its own|by itself|in isolation|alone)\b",
        _T_SPREAD,
    ],
    T.BLAME_CULTURE: [
        r"\bblame\b", r"\bpunish", r"\bperformance (matter|issue|management)\b", r"\bdisciplin",
        r"\b(red|raising|reporting)\b.{0,60}\b(failure|failing|hide|hidden|bury|sit on|afraid|scared|penal)",
        r"\bnobody (will|would) (report|raise)\b", r"\b(hide|bury|sit on) (bad news|risks?)\b",
        # a risk held back until it has an answer: "only entering it after...", "only recording risks when..."
        r"\bonly (rais|report|log|record|regist|add|enter|disclos)\w*\b.{0,40}\b(once|when|after|until)\b", r"\bcultur",
    ],
    T.NO_LEARNING_LOOP: [
        r"\blessons?\b", r"\blearn(ing|t|ed)?\b", r"\b(archived?|closed)\b.{0,60}\b(nothing|no review|no lesson|without)\b",
        r"\b(feed|fed) (it |them )?back\b", r"\bpost[- ](project|implementation|closure) review\b",
        r"\b(review|reviewing) (of )?(the )?(process|policy|framework) itself\b", r"\bsame (mistakes?|failures?)\b",
        # asking why a risk happened, after it has: "no one digs into the cause", "nobody asks what went wrong"
        _T_WHY,
    ],
}

CUES: dict[T, list[re.Pattern]] = {t: [re.compile(p) for p in ps] for t, ps in _CUES.items()}


# Cues that only name a topic ("owner", "contingency", "board", "closed"): in a plain question
# to the PM ("who owns the contingency?") they are not a sign of a challenge.
# Words that name the topic for one type only: on a register "exploit" or "upside" says which row
# is meant, not that it was scored as a threat (in a policy, asking for them is the threats-only point).
_TOPIC_ONLY_FOR: dict[T, set[str]] = {
    T.OPPORTUNITY_SCORED_AS_THREAT: {r"\b(exploit|enhance)\b", r"\bupside\b", r"\b(positive|upside) risks?\b"},
}
_TOPIC_ONLY = {
    _OWNER_WORD, r"\bowns?\b", r"ownership", r"(?<!named )(?<!dated )\bowned\b(?! and dated)", r"authority", r"\bmonitor\b",
    r"\baccept(ed|ing)?\b", r"\btransfer(red|ring)?\b", r"strategy", r"contingency", r"fallback",
    r"fall-back", r"insurance", r"\bindemnit", r"liabilit", r"response type", r"escalat", r"toleran",
    r"threshold", r"(the |programme |project )board", r"\bsro\b", r"\bsponsor\b", r"\bclosed?\b",
    r"closing", r"\bmaths?\b", r"\bmath\b", r"calculat", r"multipl", r"\brag\b", r"rating band",
    r"sums?\b", r"review date", r"last (reviewed|looked at|updated|review)", r"last review",
    r"\bmissing\b", r"what about", r"\bcertain(ty)?\b", r"issue log", r"\ban issue\b",
    r"(double-?check|check|query|question)\b.{0,30}\bscor(e|ing)",
    r"(holds|hold|holding) the .{0,20}contract",
    r"\btop[- ]?(n|5|10|ten|five|twenty)\b", r"\btrend\b", r"\bopportunit(y|ies)\b", r"\blessons?\b",
    r"\blearn(ing|t|ed)?\b", r"\bcultur", r"\baggregat",
    _T_OWNED, _T_PMO, _T_UNTIL, _T_FREEZE, _T_MONTH, _T_ADJ, _T_JUDGE, _T_WHY, _T_SPREAD, _T_HELD, _T_FRONT,
}
CHALLENGE_CUES: dict[T, list[re.Pattern]] = {
    t: [re.compile(p) for p in ps if p not in _TOPIC_ONLY and p not in _TOPIC_ONLY_FOR.get(t, ())]
    for t, ps in _CUES.items()
}


def challenge_cue_scores(text: str) -> dict[T, int]:
    """Like cue_scores, without the cues that only name a topic."""
    low = text.lower()
    return {t: n for t, pats in CHALLENGE_CUES.items() if (n := sum(1 for p in pats if p.search(low)))}


def cue_scores(text: str) -> dict[T, int]:
    """How many cues of each flaw type the text contains."""
    low = text.lower()
    return {t: n for t, pats in CUES.items() if (n := sum(1 for p in pats if p.search(low)))}


def cued_types(text: str) -> list[T]:
    scores = cue_scores(text)
    return sorted(scores, key=lambda t: -scores[t])
