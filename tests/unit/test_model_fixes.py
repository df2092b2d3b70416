"""Fixes: every flaw's model fix is accepted, and so are the fixes an experienced PMO analyst would
actually type in chat (terse, a full sentence, the same in other words); non-fixes are not.

Risk ids change with the seed, so fix texts name rows with the file's `{R3}` placeholders and are
rendered with the variant's ids, as the scenario text is. Flaw ids (F1..) are the same at every
seed. The fixes were written before reading each flaw's `accept` terms.
"""
from __future__ import annotations

import re

import pytest

from bot.evaluation.evaluator import fix_accepted
from bot.scenarios.loader import get_scenario
from bot.scenarios.model import Scenario
from bot.scenarios.variants import PLACEHOLDER, renumbering, variant
from pooled import every_flaw, seed_with

SCENARIO_IDS = ("riverside-wms", "northgate-epr", "ravensford-school", "brightwell-launch", "harrowgate-half",
                "ashby-waste-change", "calder-flood-scheme", "kestrel-office-move", "fellside-hospice-appeal")
SEEDS = (0, 7)  # the file's own order, and a shuffled, renumbered variant

# (scenario, flaw) -> fixes a PMO analyst would type once the PM has conceded.
GOOD: dict[str, dict[str, list[str]]] = {
    "riverside-wms": {
        # {R2} drop 1 already delivered late: not a risk
        "F1": [
            "move {R2} to the issue log",
            "Close {R2} as a risk and log drop 1's late delivery as an issue, with Priya's "
            "service-credit claim and the SIT replan as issue actions.",
            "It's happened, so it belongs in the issues log rather than the risk register; keep "
            "drop 2 on {R6}.",
        ],
        # {R5} 'resourcing issues': vague description
        "F2": [
            "because super users only released 2 days/wk, UAT may overrun, delaying go/no-go",
            "Because Tom can only release the 12 super users two days a week from October, there's "
            "a risk UAT isn't finished by 21 October, which would push back the go/no-go on 27 "
            "October.",
            "Due to the pre-peak volume build limiting super-user release to two days a week, UAT "
            "and floor training may fall behind, putting the 2 November go-live at risk.",
        ],
        # {R3} scored 7 for 3 x 4
        "F3": [
            "should be 12",
            "3x4=12, fix the formula",
            "Score it at twelve: probability 3 times impact 4.",
        ],
        # {R6} owned by the project analyst
        "F4": [
            "priya",
            "Give it to Priya Shah, she holds the StockPilot contract; Callum can stay as actionee.",
            "The commercial lead should own it, since she has the contract levers.",
        ],
        # {R9} 'Monitor closely'
        "F5": [
            "hannah to publish training timetable by 25/9, weekly signoff report",
            "Hannah Booth to publish the shift-by-shift training timetable agreed with Tom by 25 "
            "September, and report sign-offs against the 228 weekly from 12 October.",
            "Training Lead to book all 228 people into sessions by the end of September and run "
            "train-the-trainer for the super users by 9 Oct.",
        ],
        # {R7} and {R10}: the cut-over overrun twice
        "F6": [
            "merge {R10} into {R7}, gareth owns",
            "Keep {R7} with Gareth as the single owner, move Tom's go-back decision onto it as an "
            "action and close {R10} as a duplicate.",
            "Combine them into one cut-over risk owned by the IT manager.",
            "fold {R10} into {R7} under gareth",
        ],
        # missing: Kestrel support ends 31 December
        "F7": [
            "new risk: kestrel support ends 31/12, if we slip we run peak unsupported. owner priya, "
            "get extended support quote",
            "Because Kestrel v6 support ends on 31 December and a missed go-live can't happen until "
            "18 January, there's a risk we run peak on an unsupported WMS, which would leave us with "
            "no vendor fix if it fails. Owner Priya; action: get an extended-support quote by 2 "
            "October.",
            "Add a risk that the old system loses vendor support before a slipped go-live; Priya to "
            "ask Kestrel to price extended cover.",
        ],
    },
    "northgate-epr": {
        # {R1} reconciliation failure rated unlikely
        "F1": [
            "p4 x i5 = 20, escalate",
            "I'd rate it probability 4, likely, given both loads failed, so 4 x 5 = 20 and it goes "
            "to Helen's board.",
            "Likelihood should be at least 4 with two failed loads out of two. That makes it 20, "
            "over tolerance.",
        ],
        # {R10} clinical data defects 'transferred' to Calder
        "F2": [
            "reduce, not transfer. clinical validation of allergies/alerts after each load",
            "Change it to reduce and keep it with the Trust: clinician-led validation of allergies, "
            "alerts and merged records after the dress rehearsal, with clause 14 kept for cost "
            "recovery only.",
            "Treat it as ours and mitigate it: sample-check high-risk fields with clinicians before "
            "go-live.",
            "Retain it. The Trust owns the risk, Calder's clause is only cost recovery.",
        ],
        # {R8} not reviewed since April
        "F3": [
            "review this week w/ david kerr + joanne",
            "Get it reviewed by Friday with David Kerr and Joanne Pike, re-date the overdue actions "
            "and re-score it against 38% bookings.",
            "It needs a proper review with the owner before the training window opens on 9 November.",
            "review it next week with the deputy COO",
        ],
        # {R5} closed after one good month
        "F4": [
            "reopen it",
            "Reopen {R5} with Priya as owner and keep it open until Meridian's go-live support at St "
            "Aidan's finishes.",
            "It shouldn't be closed. Put it back on the register and rescore it for the go-live "
            "period.",
        ],
        # {R7} at 15 not escalated
        "F5": [
            "escalate to helen via exception report",
            "Put it in this month's exception report to the programme board, with a decision asked "
            "for on extra monitoring.",
            "Raise it with the SRO.",
        ],
        # {R3} owned by the supplier
        "F6": [
            "priya",
            "Priya Shah, as contract holder; Neil keeps the recruitment actions.",
            "Head of Procurement should own it.",
        ],
        # {R11} scored 8 for 3 x 4
        "F7": ["12", "3 x 4 = 12", "twelve, on the tolerance line"],
        # missing: DCB0160 safety case
        "F8": [
            "add risk: DCB0160 safety case not signed by 4 Dec -> no-go for 23 Jan. owner Anita Rao",
            "Because Claire won't sign the DCB0160 safety case until a load reconciles, it may not "
            "be signed by 4 December, which would mean a no-go for the January go-live. Owner Anita "
            "Rao; Claire to produce a hazard-closure plan.",
            "New risk on the clinical safety case: if it isn't signed off in time we can't go live "
            "at Northgate General. The CCIO should own it.",
        ],
        # {R8} backfill action with the Training Lead, who can't release staff
        "F9": [
            "give the backfill action to david kerr",
            "Move the backfill action from Joanne to David Kerr, who controls rotas and backfill, "
            "due 16 October.",
            "The deputy COO should be the actionee for backfill; Joanne keeps the bookings.",
        ],
        # {R9} £140k drawdown over the £50k limit without board approval
        "F10": [
            "take it to the board for retrospective approval",
            "It needs ratifying at the next programme board, with the decision recorded on the row.",
            "Put the drawdown in October's exception report and get it approved after the event.",
        ],
    },
    "ravensford-school": {
        # {R2} PSDS deadline rated unlikely to be missed
        "F1": [
            "p4 x i4 = 16, escalate",
            "Probability should be 4 (likely): three working days of float on a fixed deadline. "
            "4 x 4 = 16, so it goes to the board.",
            "I'd say likely, not unlikely: that makes it 16 and over tolerance.",
        ],
        # {R5} cost 'transferred' though the Council pays the provisional sums
        "F2": [
            "reduce - council keeps the prov sums risk, ring-fence £750k contingency",
            "Change it to reduce and own the provisional-sum part: ring-fence £750k of contingency "
            "and push SCPN and Highways for firm prices.",
            "Split it: the fixed-price part sits with Brackley, but the provisional sums are ours, "
            "so retain that part and mitigate it.",
        ],
        # {R4} closed before the tank area was investigated
        "F3": [
            "reopen",
            "Reopen {R4} until the trial pit results on 7 December show the tank area is clean.",
            "It shouldn't have been closed. Put it back as open until remediation is verified.",
        ],
        # {R6} at 15 not escalated
        "F4": [
            "escalate to angela's board 1 dec in highlight report",
            "Put it in the highlight report for the 1 December project board, with a decision asked "
            "for on generator hire.",
            "Raise it with the SRO.",
        ],
        # {R7} not reviewed since September
        "F5": [
            "review this week w owen, mike tranter, victoria",
            "Review it before the 1 December board with Owen Jenkins and Mike Tranter, re-date the "
            "actions and re-score it.",
            "Get Owen, Highways and Victoria together next week to re-date everything.",
        ],
        # {R12} and {R1}: late handover twice
        "F6": [
            "merge {R12} into {R1}, angela owns",
            "Keep {R1} with Angela as the single owner, move the recovery-programme and "
            "weekend-working actions onto it, and close {R12} as a duplicate.",
            "Combine them into one opening risk owned by the SRO.",
            "keep {R1} w angela, move brackley recovery prog actions from {R12} into it, close {R12}",
        ],
        # {R9} 'keep under review'
        "F7": [
            "paul hendry to get voltex labour histogram + named contracts mgr by 11 dec",
            "Paul Hendry to get Voltex to name a new contracts manager and submit a labour histogram "
            "by 11 December; Nadia to check M&E numbers against it fortnightly from January.",
            "Brackley's project director should get Voltex to commit named supervisors and numbers "
            "for first fix within two weeks, and the EA checks them at every progress meeting.",
        ],
        # {R8} S106 cash-flow risk owned by the planning manager
        "F8": [
            "kieran walsh",
            "The S151 officer should own it, since only he can cover the gap with borrowing.",
            "Give it to the CFO; Debbie keeps the invoicing.",
        ],
        # missing: main contractor insolvency
        "F9": [
            "because brackley group made £11.2m loss and subbies paid late, brackley may fail, "
            "stopping work and delaying opening. owner victoria lang",
            "Add a risk: because Brackley Group has an £11.2m loss and a going-concern warning, "
            "Brackley may go into administration before handover, which would stop the site and "
            "lose the September opening. Owner Victoria Lang.",
            "New risk on contractor insolvency: Victoria to run monthly financial checks on Brackley "
            "and set up a project bank account.",
        ],
    },
}

# Replies that are not a fix for anything.
NON_FIXES = [
    "yes",
    "ok",
    "I agree",
    "not sure",
    "what do you think?",
    "fair enough",
    "good point, thanks",
]

# A sound fix for a different flaw, which must not fix this one.
OTHER_FLAWS_FIX: dict[str, dict[str, str]] = {
    "riverside-wms": {
        "F1": "Priya should own it.",
        "F2": "Score it 12.",
        "F3": "Priya should own it.",
        "F4": "Score it 12.",
        "F5": "Merge it with the cut-over risk.",
        "F6": "Escalate it to Helen.",
        "F7": "Priya should own the drop 2 risk.",
    },
    "northgate-epr": {
        "F1": "Priya Shah should own it.",
        "F2": "Escalate it to Helen's board.",
        "F3": "Priya Shah should own it.",
        "F4": "Priya Shah should own it.",
        "F5": "Score it 12.",
        "F6": "Reopen it.",
        "F7": "Priya Shah should own it.",
        "F8": "Reopen it.",
        "F9": "Reopen it.",
        "F10": "Priya Shah should own it.",
    },
    "ravensford-school": {
        "F1": "Kieran Walsh should own it.",
        "F2": "Escalate it to Angela's board.",
        "F3": "Kieran Walsh should own it.",
        "F4": "Reopen it.",
        "F5": "Kieran Walsh should own it.",
        "F6": "Escalate it to the board.",
        "F7": "Escalate it to Angela's board on 1 December.",
        "F8": "Reopen it.",
        "F9": "Kieran Walsh should own the Section 106 risk.",
    },
}


# Scenarios added since: their analyst fixes and a fix for another flaw, as above.
GOOD["brightwell-launch"] = {
    "F1": [
        "move {R3} to the issue log",
        "Close {R3} as a risk and log Vistron's 7% price rise as an issue; take the £29k through change control against contingency.",
        "It's already happened, so it belongs in the issues log, with a change request to Lesley for the extra cost.",
    ],
    "F2": [
        "because thornbury samples due 1 march and DVT arrives 8 feb, samples may fail, losing the 290-store listing",
        "Because Thornbury's listing depends on 20 DVT samples passing its assessment by 1 March, there's a risk they fail or arrive late, which would push the listing to January 2028.",
        "Due to the DVT build only landing on 8 February, the Thornbury samples could miss the 1 March assessment, resulting in 4,000 units with no retailer.",
    ],
    "F3": [
        "should be 12",
        "3x4=12, fix the formula",
        "Score it at twelve: probability 3 times impact 4.",
    ],
    "F4": [
        "sanjay",
        "Give it to Sanjay Mistry, he sets the engineering priorities and holds the contractor budget; Tariq stays actionee.",
        "The Product Director should own it, since he controls priorities and budget.",
    ],
    "F5": [
        "kirsty to agree customs plan with northstar by 29/1",
        "Kirsty Beevers to agree the customs and shipping plan with Northstar by 29 January 2027 and run a trial import with the PVT units by end of April.",
        "Supply chain manager to appoint a customs broker by end of Jan and plan first loads to land two weeks before the 16 Aug deadline.",
    ],
    "F6": [
        "review it this week with dean and re-date the actions",
        "Dean to review R7 now, rescore it against the 15 Jan firm order deadline and take it to the launch board on 26 November.",
        "Get it re-rated before the board, with new dates for the actions and the purchase order decision.",
    ],
    "F7": [
        "merge {R10} into {R6}, elaine owns",
        "Combine the two into one row owned by Elaine Furness, with Sanjay's design review as an action.",
        "Keep one risk for the emissions test failure, owned by Sanjay as design authority, and close the other.",
    ],
    "F8": [
        "add app store approval risk, owner sanjay, get DUNS and open accounts by jan",
        "Add a risk that the app isn't approved by Apple and Google in time because the developer accounts aren't open, which would leave customers unable to set up the Hearth; Sanjay to own it.",
        "We need a risk on app store review: submit earlier via TestFlight and Google Play closed testing, owned by the Product Director.",
    ],
    # {R2} launch media risk at 15 not raised with Lesley
    "F9": [
        "escalate to lesley",
        "Raise it with Lesley Bramall within two working days and put it on the next launch board agenda, with a decision asked for on booking the £220k of media before the 13 May go/no-go.",
        "It's over 12, so it goes up to the sponsor and the board: committing the media spend before production is confirmed is their call.",
    ],
    # {R8} app beta risk 'transferred' to fixed-price Kinetic Loop
    "F10": [
        "reduce, not transfer - it's our risk",
        "Change the response to reduce and keep it with Brightwell: the fixed price covers the £240k, not the 22 March date, so Sanjay freezes the firmware-to-app interface by 11 December and agrees a beta-ready milestone with Kinetic Loop.",
        "Retain it and mitigate it ourselves; a fixed price doesn't move the schedule risk, and our own firmware is half the cause.",
    ],
    # {R12} first-season sales risk closed on the board's order decision
    "F11": [
        "reopen {R12}",
        "Reopen {R12} with Gurpreet as owner and keep it open until the week-six sales are known in October 2027; the board accepting the 9,000-unit order is why we carry the risk, not a reason to close it.",
        "It shouldn't be closed. Put it back as open and accepted, with the weekly sales data and the £40k fallback still tracked.",
    ],
}
OTHER_FLAWS_FIX["brightwell-launch"] = {
    "F1": "Sanjay should own it.",
    "F2": "Score it 12.",
    "F3": "Sanjay should own it.",
    "F4": "Score it 12.",
    "F5": "Merge it with the emissions test risk.",
    "F6": "Sanjay Mistry should own it.",
    "F7": "Escalate it to Lesley.",
    "F8": "Sanjay should own the firmware risk.",
    "F9": "Sanjay should own it.",
    "F10": "Escalate it to Lesley.",
    "F11": "Escalate it to Lesley's board.",
}
GOOD["harrowgate-half"] = {
    "F1": [
        "escalate to maureen's board",
        "Put it in this month's highlight report to the Project Board, with the £125k exposure and a decision on cuts.",
        "It needs to go up to the SRO by exception before the 25 November meeting.",
    ],
    "F2": [
        "p4 x i4 = 16, escalate",
        "I'd make it likely, four out of five, given 260 of 450 and a 20% no-show.",
        "Rate the probability at least 4, so 16, and take it to the board with a paid stewards fallback.",
    ],
    "F3": [
        "buy the weather extension",
        "Change the response to reduce, with a weather decision protocol and a shortened-course fallback.",
        "We should purchase the adverse weather cover for £9,800 from contingency so the transfer actually holds.",
        "Retain it ourselves with a contingency for refunds and a plan to curtail the race.",
    ],
    "F4": [
        "reopen {R6}",
        "It shouldn't be closed: get the new route remeasured and a new certificate before 5 February.",
        "Re-open it with Shona as owner and book the measurer after the January SAG.",
    ],
    "F5": [
        "because redline's readers failed at wharfedale, timing may fail on the day -> lost results",
        "Because Redline's chip readers failed in September, the finish timing may fail on 18 April, which would leave results missing and stop Vikram accounting for runners.",
        "If the firmware fix doesn't hold, the chip timing could fail at the finish, leading to wrong results and runners not accounted for.",
    ],
    "F6": [
        "add a TTRO risk, Graeme owns, 3x5=15",
        "Because the route changed, the traffic regulation order may not be made by the January deadline, which would mean no legal closure and the race postponed.",
        "New risk: the road closure order isn't made in time; owner Graeme Pickersgill in Highways, escalate at 15.",
    ],
    "F7": [
        "merge {R11} into {R5}",
        "Combine them into one row owned by Graeme, and close {R11} as a duplicate.",
        "Keep {R11}, Vikram owns it as safety officer, and delete {R5}.",
    ],
    "F8": ["9", "It should be 9: 3 x 3.", "score = 9"],
}
OTHER_FLAWS_FIX["harrowgate-half"] = {
    "F1": "Score it 9.",
    "F2": "Merge it with the closure point risk.",
    "F3": "Escalate it to Maureen's board.",
    "F4": "Escalate it to Maureen's board.",
    "F5": "Score it 9.",
    "F6": "Reopen it.",
    "F7": "Escalate it to Maureen's board.",
    "F8": "Escalate it to Maureen's board.",
}
GOOD["ashby-waste-change"] = {
    # {R1} grant spend deadline, 16 > 12, not escalated
    "F1": [
        "escalate to alison's board",
        "Put it in the highlight report for the 25 November Programme Board by exception, with the £930k at risk and the options for Margaret to decide.",
        "It needs to go up to the SRO now, before the Defra carry-forward deadline on 29 January.",
    ],
    # {R2} GMB dispute owned by the HR Business Partner
    "F2": [
        "stephen marwood should own it",
        "Give it to the Head of Waste Services: he leads the employer side and can change the offer within Alison's mandate; Samira stays as actionee.",
        "Alison as SRO should own it, since she sets the negotiating mandate.",
    ],
    # {R4} Kerbcraft's late delivery already notified: not a risk
    "F3": [
        "move {R4} to the issue log",
        "Close {R4} as a risk and log Kerbcraft's late delivery as an issue, with Hugh chasing liquidated damages and the revised dates through change control.",
        "It's already happened, so it's an issue; keep the grant and training consequences as risks.",
    ],
    # {R5} 'Problems with the caddies could affect the launch.'
    "F4": [
        "because doorstep direct has 3 weeks for 62k homes and 8% missed in the trial, homes may have no caddy on 7 june -> missed collections",
        "Because only 22 of 64 blocks of flats have bin stores agreed and the trial left 8% without a caddy, many homes may not have one at go-live, which would mean missed food collections and complaints.",
        "If the caddy packs aren't delivered to every home by 28 May, households can't take part from 7 June, leading to lost food tonnage and a flood of calls.",
    ],
    # {R7} scored 8 for 3 x 4
    "F5": [
        "should be 12",
        "3x4=12, fix the formula",
        "Score it at twelve: probability 3 times impact 4.",
    ],
    # {R8} 'Monitor contamination levels with Trentvale as needed'
    "F6": [
        "kevin to train crews to tag contaminated caddies by 14/5, stephen to agree inspection regime with trentvale by end of jan",
        "Jodie Farrant to put no-plastic-bag guidance in the household pack by 26 February 2027, and Kevin Lomax to report contamination by round weekly from go-live.",
        "Stephen to agree a load inspection and feedback process with Trentvale by 29 Jan 2027, and crews to leave contaminated caddies with a tag from day one.",
    ],
    # {R6} and {R10}: the go-live call surge twice
    "F7": [
        "merge {R10} into {R6}, paula owns",
        "Combine the two into one row owned by Paula Wintle, with Jodie's web pages as actions, and close the other.",
        "Keep {R10} with Jodie as owner and delete {R6}.",
    ],
    # missing: the pre-election period stopping the April campaign
    "F8": [
        "add a purdah risk: comms blocked 31 mar to 6 may, owner alison, bring the household pack forward",
        "Because the pre-election period runs from 31 March to 6 May and the Monitoring Officer treats three-weekly as contentious, the April campaign may be stopped, which would leave residents four weeks before go-live.",
        "New risk on the May elections delaying the comms campaign: Jodie to agree with the Monitoring Officer which notices are factual, and escalate at 16.",
    ],
}
OTHER_FLAWS_FIX["ashby-waste-change"] = {
    "F1": "Move it to the issue log.",
    "F2": "Score it 12.",
    "F3": "Escalate it to Alison's board.",
    "F4": "Merge it with the contact centre risk.",
    "F5": "Stephen Marwood should own it.",
    "F6": "Stephen Marwood should own it.",
    "F7": "Escalate it to Alison's board.",
    "F8": "Merge it with the contact centre risk.",
}
GOOD["calder-flood-scheme"] = {
    # {R1} 2027 in-river window rated unlikely to be missed
    "F1": [
        "p4 x i5 = 20, escalate",
        "I'd rate it likely, a 4: the panel's six weeks and the permit's two months already run past 17 May, so 4 x 5 = 20 and it goes to Yvonne's board.",
        "Probability should be at least 4 given there's no float in the window, which makes it 20, over tolerance.",
    ],
    # {R2} Option C overrun 'transferred' to Stonecliffe
    "F2": [
        "it's shared not transferred - change to share/reduce and hold a risk allowance for our part",
        "Change the response to reduce and keep the Council's share: ring-fence part of the risk allowance for our 50%/80% of any overrun and for compensation events.",
        "Retain it. Under Option C it's mostly the council's risk, so manage it through early warnings and a contingency.",
    ],
    # {R3} Ings Farm land owned by the landowner liaison officer
    "F3": [
        "mohammed iqbal",
        "Give it to Mohammed Iqbal as Head of Corporate Estates, he can approve a higher offer and start the CPO; Julie stays as actionee.",
        "The SRO should own it while it's with the board, since only Yvonne can decide on the CPO with Estates.",
    ],
    # {R4} Network Rail risk at 15 not escalated
    "F4": [
        "escalate to yvonne's board in the highlight report",
        "Put it in the highlight report for the 3 December board by exception, with Owain's conditions and a decision on pressing Network Rail.",
        "It needs to go up to the SRO before the line closure request is due in January.",
    ],
    # {R6} Town Bridge condition risk stale since July
    "F5": [
        "review it this week w/ duncan and re-date the actions",
        "Phil and Duncan Mellor to review it by Friday, re-date the overdue actions and get the trigger levels and the Level 2 record to the conservation officer.",
        "Get it reviewed before the 3 December board with new dates for every action.",
    ],
    # {R7} bat roost risk closed before the surveys found a roost
    "F6": [
        "reopen {R7}",
        "It shouldn't be closed: there's a pipistrelle roost, so reopen it and get the Natural England licence applied for in January.",
        "Re-open it with Phil as owner, Freya to apply for the bat licence and Bryony to move the demolition to April.",
    ],
    # {R8} flooding of the works: 'keep an eye' actions
    "F7": [
        "bryony bamforth to submit flood emergency plan with triggers by 15/01",
        "Bryony Bamforth to produce a flood emergency plan with river-level triggers at the Elmroyd gauge by 15 January 2027, and Barry Hirst to check the triggers weekly from June.",
        "Stonecliffe's project manager to sign up to EA flood warnings and set stand-down triggers before start on site in May, with Hassan accepting the plan by March.",
    ],
    # {R11} and {R5}: the late diversion twice
    "F8": [
        "merge {R11} into {R5}, phil owns",
        "Keep {R5} with Phil as the single owner, move Hassan's early warning meetings onto it as an action and close {R11} as a duplicate.",
        "Combine them into one diversion risk owned by the project manager.",
    ],
    # missing: partnership funding contributions not secured
    "F9": [
        "add risk: £1.2m contributions unsigned (bid ballot, nordvik review), could lose fdgia approval. owner yvonne",
        "Because the BID's £0.5m depends on its February ballot and Nordvik is reviewing Calderbank's £0.7m, the contributions may not be signed before the EA's FBC decision, which would drop the partnership funding score below 100% and delay the grant. Owner Yvonne Ashworth.",
        "New risk on the partnership funding contributions not being secured; Yvonne to get signed agreements from the BID and Nordvik, and Nigel to say whether we could cover the gap.",
    ],
    # {R9} soft ground risk owned by the NEC4 Supervisor
    "F10": [
        "phil helliwell",
        "Phil Helliwell should own it: he manages Ingleby Lowe's design commission and can get Hassan to instruct Stonecliffe, going to Yvonne for the risk allowance; Barry stays actionee for the weekly settlement readings.",
        "The project manager should own it, with the Supervisor reading the gauges as actionee.",
    ],
    # {R12} Stage 2 target price scored 12 for 4 x 4
    "F11": [
        "16",
        "It should be 16: probability 4 times impact 4, above tolerance, which is why it went to the board on 5 November.",
        "Correct the score to sixteen so it still shows over the tolerance line.",
    ],
    # {R10} judicial review risk closed on the wrong evidence
    "F12": [
        "keep it closed but give the real reason: jr period ended 3 june, no claim",
        "Leave {R10} closed but change the closure note: the six-week judicial review period ended on 3 June 2026 with no claim filed, confirmed by Legal with the court.",
        "Record the right evidence: the challenge window expired with no claim lodged, and that's why it's closed, not because permission was granted.",
    ],
}
OTHER_FLAWS_FIX["calder-flood-scheme"] = {
    "F1": "Mohammed Iqbal should own it.",
    "F2": "Escalate it to Yvonne's board.",
    "F3": "Reopen it.",
    "F4": "Score it 20.",
    "F5": "Mohammed Iqbal should own it.",
    "F6": "Escalate it to Yvonne's board.",
    "F7": "Escalate it to Yvonne's board on 3 December.",
    "F8": "Escalate it to Yvonne's board.",
    "F9": "Escalate the Network Rail risk to the board.",
    "F10": "Score it 16.",
    "F11": "Phil Helliwell should own it.",
    "F12": "Score it 16.",
}


GOOD["kestrel-office-move"] = {
    # {R2} asbestos already found at Kestrel House: not a risk
    "F1": [
        "move {R2} to the issue log",
        "Close {R2} as a risk and raise the asbestos as an issue: Philippa to approve the £38k removal from contingency, as it's over Niall's £20k limit, and Corinne to agree Marbeck's two-week extension.",
        "It's already happened, so it belongs in the issues log, not the risk register; take the £38k and the two weeks to the board through change control.",
    ],
    # {R8} Wayfarer sublet scored and handled as a threat
    "F2": [
        "impact 4, exploit, answer wayfarer by 11/12",
        "Score the impact on the size of the benefit, about £310k over five years, so 3 x 4 = 12, change the response to exploit, and have Corinne confirm heads of terms with Wayfarer by 11 December and instruct Marbeck on the £9k self-contained works before the 8 January design freeze.",
        "It's upside, so rate the impact by what we'd gain, not what we'd lose, and go after it: get the suite's own door into the ground-floor design before 8 Jan and give Wayfarer an answer by the 11th.",
    ],
    # {R10} 'Parking at the new office may be a problem.'
    "F3": [
        "because kestrel has 18 spaces vs 85 at hengrove, 42 mobile staff may lose parking from 15 march -> fewer estate visits, repair targets missed",
        "Because Kestrel House has only 18 parking spaces, all kept for blue badge holders and pool cars, against 85 free spaces at Hengrove, there is a risk that the 42 housing officers and repairs surveyors who drive to estates every day can't park from 15 March 2027, which would cut estate visits and inspections and miss the repair targets.",
        "If the housing officers and surveyors lose their free parking when we move, they won't get out to the estates as often, leading to late inspections and repairs performance dropping.",
    ],
    # {R7} furniture risk: 'Keep in touch with Sitwell as needed'
    "F4": [
        "heads of service sign off layouts by 27/11, philippa signs sitwell PO by 4/12",
        "Lorraine Hathaway to get the heads of service to sign off the furniture layouts by 27 November 2026, and Philippa Tremayne to sign the £312k Sitwell purchase order so it's placed by 4 December, ahead of the factory shutdown on 18 December.",
        "Facilities manager to lock the layouts down with the heads of service by the 27th and get the sponsor's signature on the order by 4 Dec, then confirm Sitwell's delivery and install dates in writing by mid-December.",
    ],
    # {R9} Hengrove surrender owned by the move coordinator
    "F5": [
        "give it to corinne",
        "Corinne Dunleavy should own it as Head of Property: she holds the Hengrove lease and negotiates the surrender with Ashwick, with Philippa signing the deed; Jade keeps the clearance action.",
        "The head of property should own it, she's the one who can negotiate with the landlord.",
    ],
    # {R4} dilapidations risk not reviewed since July
    "F6": [
        "review it this week with corinne, rescore against the £268k claim",
        "Corinne Dunleavy to review {R4} by 20 November with Tolland Grange, record whether the August and September actions were done, re-score it against Quillan's £268k interim schedule and re-date the actions.",
        "It needs a proper review now with the owner: update it for the £268k schedule, set new dates for the actions and check whether the Tolland Grange estimate ever happened.",
    ],
    # missing: the Kestrel House internet line not live in time for the move
    "F7": [
        "add risk: telvantis line not live by 13 march (no wayleave), nobody can work on the 15th. owner rhodri",
        "Because Telvantis won't give an install date until the wayleave through Calloway House's basement is signed, and installation then takes 8 to 10 weeks, there's a risk the Kestrel House internet line isn't live by the 13-14 March move weekend, which would leave staff unable to use Microsoft 365 or Orbis and the contact centre unable to take calls on 15 March. Owner Rhodri Feeney; Corinne Dunleavy to get the wayleave agreed and signed by Philippa by 18 December; Rhodri to price a temporary 4G/5G backup.",
        "New risk on Kestrel House connectivity: no wayleave means no install date for the line, so nothing cloud-based works on day one. The Head of IT should own it, with a temporary wireless link as the fallback.",
    ],
    # {R5} staff-loss risk scored 8 for 3 x 4
    "F8": [
        "12",
        "It should be 12: probability 3 times impact 4, since the probability went up after Sadia's survey.",
        "Update the score to twelve to match 3 x 4.",
    ],
    # {R6} and {R12}: the Monday-morning IT failure twice
    "F9": [
        "merge {R12} into {R6}, rhodri owns",
        "Keep {R6} with Rhodri Feeney as the single owner, move Monique's contact-centre actions from {R12} onto it, and close {R12} as a duplicate.",
        "Combine the two into one Monday-morning IT risk owned by the Head of IT, and close the other one.",
    ],
    # {R1} fit-out delay rated unlikely despite Marbeck's revised programme
    "F10": [
        "p4 x i5 = 20, escalate to philippa",
        "I'd rate it probability 4, likely, now Marbeck's own programme puts completion at 5 March with only one fallback weekend, so 4 x 5 = 20, above tolerance, and it goes to Philippa's programme board.",
        "Likelihood should be at least 4, their own revised programme says 5 March. That makes it 20 and it needs escalating.",
    ],
}
OTHER_FLAWS_FIX["kestrel-office-move"] = {
    "F1": "Corinne Dunleavy should own it.",
    "F2": "Merge it with the Monday-morning IT risk.",
    "F3": "Score it 12.",
    "F4": "Corinne Dunleavy should own it.",
    "F5": "Score it 12.",
    "F6": "Escalate the fit-out risk to Philippa's board.",
    "F7": "Corinne Dunleavy should own the Hengrove surrender.",
    "F8": "Move it to the issue log.",
    "F9": "Score it 12.",
    "F10": "Move it to the issue log.",
}
GOOD["fellside-hospice-appeal"] = {
    # {R4} Westfell's £300,000 match-funding offer scored and handled as a threat
    "F1": [
        "impact 4, exploit, sign by 15 jan",
        "Score the impact on the benefit: £300,000 is a 4 on our bands, so 3 x 4 = 12; change the response to exploit, drop the £50,000 cap, and have Philippa Lowther sign Westfell's agreement and send the campaign plan by 15 January 2027.",
        "It's upside, not downside, so rate it by what we'd gain, a 4 for £300k, and go after it: get the agreement and the March campaign plan to Louise Troughton before the deadline instead of capping it.",
    ],
    # {R2} Rydal grant deadline rated unlikely to be missed
    "F2": [
        "p4 x i4 = 16, escalate to judith's committee",
        "I'd rate it probability 4, likely: revision C puts the nurse call, hoists and pods in April and May, after the 31 March deadline, and Desmond forecasts only £380,000 certified, so 4 x 4 = 16, above the tolerance of 12; it goes to Judith's committee, and Colin puts a variation request to Rydal for the 10 December meeting, papers by 27 November.",
        "Likely rather than unlikely: the funded work lands after the deadline. That takes it to 16, over the committee's threshold.",
    ],
    # {R6} data protection risk 'transferred' to Keystone, a processor
    "F3": [
        "reduce not transfer - LIA and updated privacy notice before screening",
        "Change the response to reduce and keep it with the hospice as controller: Philippa to complete a legitimate interests assessment on Ingrid's advice, update the privacy notice and tell supporters before any screening, and postpone Keystone's 7 December screening until that's done.",
        "We can't transfer it, we're the controller. Treat it as ours and mitigate it: hold the screening until supporters have been told and the assessment is signed off; the indemnity only covers part of the cost.",
    ],
    # {R3} Hetherington pledge risk closed with £500,000 still to come
    "F4": [
        "reopen {R3}",
        "Reopen {R3}, rescore it against Geoffrey's letter of 9 November and keep it open until the final £500,000 arrives; Catriona to talk to the Hetheringtons about when it can be paid and Colin to model the gap against reserves.",
        "It shouldn't be closed: the last instalment is still outstanding and now in doubt. Put it back as open and raise the probability.",
    ],
    # {R5} Gift Aid opportunity owned by the project support officer
    "F5": [
        "philippa lowther",
        "Give it to Philippa Lowther, Director of Income Generation: Bethany's supporter care team reports to her, so she can change the forms and run the declaration campaign; Bethany and Colin stay as actionees.",
        "The income generation director should own it, since she directs the team that does the work.",
    ],
    # {R1} late handover risk at 16 not escalated
    "F6": [
        "escalate to judith's committee",
        "Report it by exception to Judith Thwaite's Building and Appeal Committee in this month's project report, with the lost float and a decision asked for on weekend working and a phased opening.",
        "It's over 12, so Catriona needs to take it up to the trustee committee now.",
    ],
    # {R7} and {R12}: the nurse shortage twice
    "F7": [
        "merge {R12} into {R7}, siobhan owns",
        "Keep {R7} with Siobhan Grady as the single owner, move Leanne's agency framework actions from {R12} onto it, and close {R12} as a duplicate.",
        "Combine them into one nurse staffing risk owned by the Director of Patient Care, and close the other.",
    ],
    # {R8} ICB funding risk not reviewed since June
    "F8": [
        "review it this week with catriona and colin, re-date the actions",
        "Catriona and Colin to review {R8} by 20 November, record the ICB's 29 October letter, re-date the actions with the revised business case due to Naomi Birtwistle by 11 December, and re-score it.",
        "It needs reviewing now with the owner: update it for the ICB's letter and put new dates on both actions.",
    ],
    # {R10} appeal shortfall: 'keep the appeal moving', no dates or names
    "F9": [
        "philippa to publish a dated appeal income plan by 15/12, colin options paper to trustees by end of march",
        "Philippa Lowther to produce a month-by-month income plan for the £0.92m by 15 December 2026 and report against it at each committee; Colin McCartney to take an options paper on reserves and deferring part of the fit-out to the trustees by 31 March 2027.",
        "The income director should set quarterly appeal targets with named events and report progress to the committee monthly, and the finance director should put options to the Board in the spring, before the final account is due.",
    ],
    # missing: CQC registration not varied in time for the new beds
    "F10": [
        "add risk: CQC variation not approved before 4 oct, can't use new beds. owner siobhan",
        "Because CQC's registration limits the unit to 12 beds and it wants to visit the finished wing before deciding a variation, which can take up to ten weeks after handover on 25 June 2027, there's a risk the variation isn't approved before the first patients on 4 October, which would stop the hospice using the ten new beds. Owner Siobhan Grady; action: submit a complete application early and agree the visit date with CQC.",
        "New risk on the CQC registration variation for the new beds not being granted in time for the opening; the Registered Manager should own it and get the application in before handover.",
    ],
}
OTHER_FLAWS_FIX["fellside-hospice-appeal"] = {
    "F1": "Reopen it.",
    "F2": "Philippa Lowther should own it.",
    "F3": "Escalate it to Judith's committee.",
    "F4": "Philippa Lowther should own it.",
    "F5": "Reopen it.",
    "F6": "Merge it with the nurse recruitment risk.",
    "F7": "Escalate it to Judith's committee.",
    "F8": "Philippa Lowther should own it.",
    "F9": "Reopen it.",
    "F10": "Escalate the late handover risk to Judith's committee.",
}


def render(text: str, scenario_id: str, seed: int) -> str:
    """A fix written with the file's `{R3}` placeholders, in the seed's risk ids."""
    ids = renumbering(get_scenario(scenario_id), seed)
    return PLACEHOLDER.sub(lambda m: ids[m.group(1)], text)


def all_flaws():
    # a pool flaw is tested at the first seed from 0 (the file's order) and from 7 that injects it
    return [
        pytest.param(sid, f.id, n, id=f"{sid}-{f.id}-{f.type.value}-seed{n}")
        for sid in SCENARIO_IDS
        for f in every_flaw(get_scenario(sid))
        for n in dict.fromkeys(seed_with(sid, f.id, seed) for seed in SEEDS)
    ]


def cases(table, name):
    return [
        pytest.param(sid, fid, n, text, id=f"{sid}-{fid}-seed{n}-{name}{i}")
        for sid, flaws in table.items()
        for fid, texts in flaws.items()
        for i, text in enumerate([texts] if isinstance(texts, str) else texts)
        for n in dict.fromkeys(seed_with(sid, fid, seed) for seed in SEEDS)
    ]


def test_every_flaw_has_analyst_fixes_and_a_negative():
    """Each flaw of each shipped scenario has 2+ analyst fixes and a fix for another flaw here."""
    for sid in SCENARIO_IDS:
        flaw_ids = {f.id for f in every_flaw(get_scenario(sid))}
        assert set(GOOD[sid]) == flaw_ids, sid
        assert set(OTHER_FLAWS_FIX[sid]) == flaw_ids, sid
        assert all(len(texts) >= 2 for texts in GOOD[sid].values()), sid


@pytest.mark.parametrize("sid,flaw_id,seed", all_flaws())
def test_model_answer_is_accepted(sid, flaw_id, seed):
    """The debrief's model fix is always an accepted fix, in every variant."""
    flaw = variant(sid, seed).flaw(flaw_id)
    assert fix_accepted(flaw, flaw.fix.model_answer), flaw.fix.model_answer


@pytest.mark.parametrize("sid,flaw_id,seed,text", cases(GOOD, "fix"))
def test_analyst_fix_is_accepted(sid, flaw_id, seed, text):
    v = variant(sid, seed)
    fix = render(text, sid, seed)
    assert not PLACEHOLDER.search(fix)
    assert fix_accepted(v.flaw(flaw_id), fix), fix


@pytest.mark.parametrize("sid,flaw_id,seed", all_flaws())
@pytest.mark.parametrize("text", NON_FIXES)
def test_non_fix_is_rejected(sid, flaw_id, seed, text):
    assert not fix_accepted(variant(sid, seed).flaw(flaw_id), text)


@pytest.mark.parametrize("sid,flaw_id,seed,text", cases(OTHER_FLAWS_FIX, "other"))
def test_fix_for_another_flaw_is_rejected(sid, flaw_id, seed, text):
    assert not fix_accepted(variant(sid, seed).flaw(flaw_id), text)


def test_rendered_fixes_use_the_variant_ids():
    """At seed 7 the rows are renumbered, and a fix's `{R10}` follows its row."""
    s, v = get_scenario("riverside-wms"), variant("riverside-wms", 7)
    dup = v.flaw("F6")
    assert (dup.risk_id, dup.other_risk_id) != (s.flaw("F6").risk_id, s.flaw("F6").other_risk_id)
    text = render(GOOD["riverside-wms"]["F6"][0], "riverside-wms", 7)
    assert re.search(rf"\b{dup.other_risk_id}\b.*\b{dup.risk_id}\b", text)


# No internal label may reach the learner: flaw type ids ("missing_risk"), flaw ids ("F3") or
# "(R6: not escalated)"-style tags, in anything the PM or the tutor says.
LABEL = re.compile(r"\b[a-z]+_[a-z_]+\b|\bF\d{1,2}\b|\((?:R\d{1,2}|\{R\d{1,2}\}): ")


def _spoken(s: Scenario):
    p = s.persona
    yield "persona", " ".join([p.opening, p.defend_generic, p.clarify_generic, p.closing])
    for fact in s.brief.facts:
        yield f"fact {fact.topic}", fact.answer
    for row in s.rows:
        for t, text in row.defences.items():
            yield f"{row.id} defence {t.value}", text
    for f in s.flaws:
        texts = [f.evidence, f.why_it_matters or "", f.challenge or "", *f.hints, f.replies.hit,
                 f.replies.partial, f.replies.repeat or "", f.fix.ask or "", f.fix.model_answer,
                 f.fix.accepted_reply, f.fix.rejected_reply]
        yield f"{f.id}", " ".join(texts)


@pytest.mark.parametrize("sid", SCENARIO_IDS)
def test_no_internal_labels_in_what_the_pm_or_tutor_says(sid):
    leaks = [(where, m.group(0)) for where, text in _spoken(variant(sid, 7)) for m in LABEL.finditer(text)]
    assert leaks == []
