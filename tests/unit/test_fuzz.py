"""Fuzzing with hypothesis: the evaluator, the scenario loader and the register reader take hostile
and random input without an unhandled exception. The evaluator reads any text; a scenario file
that is not a scenario is a ScenarioError naming what is wrong; a file that is not a register is a
RegisterError. (Budgets are kept small: the whole module runs in well under a minute.)"""
from __future__ import annotations

import copy
import csv
import io
import os
import zipfile

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.evaluation.evaluator import Evaluator
from bot.evaluation.reading import read
from bot.evaluation.state import SessionState
from bot.scenarios.loader import DEFAULT_DIR, ScenarioError, load_scenario
from bot.scenarios.register_import import RegisterError, parse_register
from bot.scenarios.variants import variant
from bot.taxonomy import FlawType, intent_for

# PMO_FUZZ_EXAMPLES=5000 PMO_FUZZ_RANDOM=1 for a longer hunt with fresh examples.
FUZZ = settings(max_examples=int(os.environ.get("PMO_FUZZ_EXAMPLES", 60)), deadline=None,
                derandomize=not os.environ.get("PMO_FUZZ_RANDOM"), database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# -- hostile text --------------------------------------------------------------------------------
EDGE_TEXT = [
    "", " ", "\n\n\t", "R99999", "R0", "R-1", "C0", "C99", "R" + "9" * 40, "r3r3r3", "R3R4R5",
    "'; DROP TABLE challenges; --", "\" OR 1=1 --", "1; SELECT * FROM learners", "Robert'); DROP TABLE learners;--",
    "{R3}", "{0}", "{}", "{rid}", "{!r}", "%s", "%d %n %x", "%(name)s", "${jndi:ldap://x}", "{{7*7}}",
    ".*", "(a+)+$", "[", "(", "\\", "\\1", "$", "^", "*+?", "(?P<x>", "[[:alpha:]]", "\\b\\w+\\b",
    "\u200b", "R\u200b3", "\u200fR3 is wrong\u200e", "\u202eR3 owner\u202c", "\ufeffR3", "R\u00063",
    "\u0000", "R3\u0000owner", "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    "🙂" * 50, "R3 👨‍👩‍👧‍👦 owner", "Ｒ３ owner", "R٣ owner", "R³", "ℜ3", "ǅ", "ﬁx R3", "İ", "ß" * 20,
    "e\u0301" * 30, "\u0301" * 100, "R3\r\nR4\rR5", "\x1b[31mR3\x1b[0m", "<script>alert(1)</script>",
    "=HYPERLINK(\"http://x\")", "@SUM(1)", "+cmd|' /C calc'!A0",
]
# Long messages: 10,000 characters (over every channel's limit of 4,000, which the tutor still reads
# up to its own MAX_TEXT), and at the channels' limit the shapes that cost the reader most (4,000
# characters of "? " took 0.9 s in the LEADING pattern alone before its gap was bounded).
LONG_TEXT = [
    "A" * 10_000, ("Who owns R3? " * 800)[:10_000], ("owner " * 2000)[:10_000], ("R3 " * 1400)[:4000],
    ("? " * 2000)[:4000], (", " * 2000)[:4000], ("why " * 1000)[:4000], "\u200b" * 10_000, "🙂" * 4000,
]
HOSTILE_CHUNK = st.sampled_from(EDGE_TEXT + [
    "owner", "score", "impact", "probability", "likelihood", "closed", "escalate", "tolerance", "duplicate",
    "vague", "issue", "review", "stale", "monitor", "transfer", "opportunity", "upside", "fix", "should be",
    "not", "no", "I meant", "sorry", "hint", "finish", "?", "!", ",", ".", "x", "3x5", "p3", "i5", "12",
    "5 x 5", "-1", "1e40", "NaN", "∞", "½",
])
HOSTILE_TEXT = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=120),
    st.lists(HOSTILE_CHUNK, max_size=12).map(" ".join),
    st.lists(st.one_of(HOSTILE_CHUNK, st.text(max_size=8)), max_size=10).map("".join),
    st.sampled_from(EDGE_TEXT),
)
INTENTS = st.one_of(
    st.none(),
    st.sampled_from([intent_for(t) for t in FlawType]
                    + ["ask_question", "propose_fix", "request_hint", "finish_session", "show_progress",
                       "start_scenario", "greet", "nlu_fallback", "", "challenge_", "challenge_nonsense"]),
    st.text(max_size=20),
)
CONFIDENCE = st.one_of(st.floats(min_value=0.0, max_value=1.0), st.sampled_from([0.0, 0.5, 0.79, 0.8, 0.95, 1.0]))
# A register, a draft policy, a portfolio report (manager level), in their written order and shuffled.
SCENARIOS = [("riverside-wms", 0), ("riverside-wms", 7), ("northgate-epr", 3), ("eastmere-risk-policy", 0),
             ("eastmere-risk-policy", 5), ("northbridge-portfolio-report", 0), ("kestrel-office-move", 11)]


def _state(s, which: int, previous) -> SessionState:
    """A fresh session, or one partway through: some flaws found, one fixed, a fix asked for."""
    state = SessionState()
    flaws = [f.id for f in s.flaws]
    if which >= 1 and flaws:
        for f in flaws[: 1 + which]:
            state.find(f)
        state.asked = [flaws[0]]
        state.recent = [flaws[0]]
        state.focus_risk = s.flaws[0].risk_id
    if which >= 2 and flaws:
        state.fixed.add(flaws[0])
        state.fix_attempts[flaws[-1]] = 1
    state.previous = previous
    return state


@FUZZ
@given(
    where=st.sampled_from(SCENARIOS),
    text=HOSTILE_TEXT,
    intent=INTENTS,
    confidence=CONFIDENCE,
    which=st.integers(0, 2),
    previous=st.one_of(st.none(), st.tuples(HOSTILE_TEXT, INTENTS, CONFIDENCE)),
)
def test_the_evaluator_reads_any_text(where, text, intent, confidence, which, previous):
    s = variant(*where)
    state = _state(s, which, previous)
    outcome = Evaluator(s).evaluate(state, read(text, s, intent, confidence))
    assert all(isinstance(r.text, str) for r in outcome.replies)


@pytest.mark.parametrize("where", SCENARIOS, ids=[f"{a}-{b}" for a, b in SCENARIOS])
def test_the_evaluator_reads_every_edge_case_in_every_state(where):
    s = variant(*where)
    for text in EDGE_TEXT:
        for which, intent, confidence in ((0, None, 0.0), (2, intent_for(FlawType.WRONG_OWNER), 0.95), (1, "propose_fix", 0.9)):
            Evaluator(s).evaluate(_state(s, which, (text, intent, confidence)), read(text, s, intent, confidence))


@pytest.mark.parametrize("text", LONG_TEXT, ids=lambda t: f"{t[:6]!r}x{len(t)}")
def test_the_evaluator_reads_long_messages(text):
    """Each on a register or a draft policy, in turn."""
    s = variant(*(("riverside-wms", 7), ("eastmere-risk-policy", 0))[LONG_TEXT.index(text) % 2])
    Evaluator(s).evaluate(_state(s, 1, None), read(text, s, intent_for(FlawType.WRONG_OWNER), 0.9))


# -- the scenario loader ---------------------------------------------------------------------------
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
REAL = yaml.safe_load((DEFAULT_DIR / "riverside-wms.yml").read_text(encoding="utf-8"))
POLICY = yaml.safe_load((DEFAULT_DIR / "eastmere-risk-policy.yml").read_text(encoding="utf-8"))
ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30), st.sampled_from(["", "R1", "R99", "C1", "2024-02-30", "9999-12-31", "0000-00-00", "x" * 500,
                                           "{R3}", "%s", "'; DROP TABLE x;--", "\u200b", "🙂"]),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.just([]), st.just({}),
)


def _paths(doc, prefix=()):
    """Every (path, value) in a YAML document: mappings by key, lists by index."""
    yield prefix, doc
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, prefix + (i,))


REAL_PATHS = [p for p, _ in _paths(REAL) if p]
POLICY_PATHS = [p for p, _ in _paths(POLICY) if p]


def _mutate(doc, path, how, value):
    doc = copy.deepcopy(doc)
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    key = path[-1]
    if how == "delete":
        del parent[key]
    elif how == "replace":
        parent[key] = value
    elif how == "duplicate" and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[key]))
    elif how == "empty":
        parent[key] = type(parent[key])() if isinstance(parent[key], (list, dict, str)) else None
    elif how == "stringify":
        parent[key] = str(parent[key])
    return doc


def _load(tmp_path, text: str):
    path = tmp_path / "fuzzed.yml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_scenario(path)
    except ScenarioError as e:
        assert e.problems and all(isinstance(p, str) and p for p in e.problems)
        assert str(path) in str(e)


@FUZZ
@given(
    which=st.sampled_from(["register", "policy"]),
    data=st.data(),
    how=st.sampled_from(["delete", "replace", "duplicate", "empty", "stringify"]),
    value=ODD_VALUES,
    rounds=st.integers(1, 3),
)
def test_a_mutated_scenario_loads_or_is_a_scenario_error(tmp_path_factory, which, data, how, value, rounds):
    doc, paths = (REAL, REAL_PATHS) if which == "register" else (POLICY, POLICY_PATHS)
    for _ in range(rounds):
        live = [p for p, _ in _paths(doc) if p]
        if not live:
            break
        path = data.draw(st.sampled_from(live if doc is not REAL and doc is not POLICY else paths))
        doc = _mutate(doc, path, how, value)
    _load(tmp_path_factory.mktemp("scn"), yaml.dump(doc, Dumper=DUMPER, allow_unicode=True, sort_keys=False))


YAML_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20))
YAML_DOCS = st.recursive(YAML_SCALARS, lambda kids: st.one_of(
    st.lists(kids, max_size=4), st.dictionaries(st.text(max_size=10), kids, max_size=4)), max_leaves=20)


@FUZZ
@given(doc=st.one_of(
    YAML_DOCS.map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
    st.fixed_dictionaries({}, optional={k: YAML_DOCS for k in REAL}).map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
    st.text(max_size=400),
    st.sampled_from(["", "---", "- a\n- b", "id: [", "a: *b", "!!python/object:os.system x", "&a [*a]",
                     "a: &a\n  b: *a", "\t- x", "{{{", "%YAML 9.9\n---\nx", "\ufeffid: x", "key: \"\\uD800\"",
                     "a: !!binary AAAA", "a: !!timestamp 2024-99-99", "? [a]\n: b", "<<: {id: x}",
                     # found by this test: PyYAML's constructors raise, and a key that is not text
                     "0: !!timestamp 0000-0-0", "0: !!timestamp", "0:", "1.5: x", "null: x", "[1]: x",
                     "id: x\nregister: {0: 1}", "id: x\nbrief: [1, 2]"]),
))
def test_random_yaml_is_a_scenario_error_not_a_crash(tmp_path_factory, doc):
    _load(tmp_path_factory.mktemp("yml"), doc)


def test_a_file_that_is_not_utf8_is_a_scenario_error(tmp_path):
    path = tmp_path / "latin1.yml"
    path.write_bytes("id: caf\xe9\ntitle: \xff\xfe".encode("latin-1"))
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(path)


def test_a_billion_laughs_document_is_refused_quickly(tmp_path):
    lol = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n" for i in range(8))
    _load(tmp_path, lol)


# -- the register reader ---------------------------------------------------------------------------
from local import COLUMNS, HEADERS, register_csv, riverside_xlsx  # noqa: E402  (riverside-wms as exported)


GOOD_CSV = register_csv()
GOOD_ROWS = list(csv.reader(io.StringIO(GOOD_CSV.decode())))
CELLS = st.one_of(
    st.text(max_size=20), st.sampled_from([
        "", "0", "6", "-1", "1.5", "1e400", "-1e400", "inf", "-inf", "nan", "NaN", "Infinity", "1_000", "٣", "³",
        "Very High", "HIGH", "2024-02-30", "31/12/99", "1 Jan 10000", "29/02/2023", "99999-01-01", "0/0/00",
        "=1+1", "'; DROP TABLE learners;--", "{R3}", "%s", "\u200b", "🙂", "x" * 5000, "\0", "\"", "\"\"\"",
    ]))


def _read(name: str, data: bytes) -> None:
    try:
        rows = parse_register(name, data)
    except RegisterError as e:
        assert str(e)
        return
    assert isinstance(rows, list)


@FUZZ
@given(
    mutations=st.lists(st.tuples(st.integers(0, len(GOOD_ROWS) - 1), st.integers(0, len(COLUMNS)), CELLS),
                       min_size=1, max_size=6),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
)
def test_a_mutated_csv_register_reads_or_is_a_register_error(mutations, delimiter, encoding):
    rows = [list(r) for r in GOOD_ROWS]
    for r, c, value in mutations:
        row = rows[r]
        if c < len(row):
            row[c] = value
        else:
            row.append(value)
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, escapechar="\\").writerows(rows)
    _read("register.csv", out.getvalue().encode(encoding, errors="replace"))


@FUZZ
@given(data=st.one_of(
    st.binary(max_size=2000),
    st.binary(max_size=300).map(lambda b: GOOD_CSV[:200] + b + GOOD_CSV[200:]),
    st.integers(0, len(GOOD_CSV)).map(lambda n: GOOD_CSV[:n]),
    st.text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.lists(st.lists(CELLS, max_size=14), max_size=8).map(
        lambda rows: "\n".join(",".join(r) for r in [HEADERS] + rows).encode("utf-8", "surrogatepass")),
))
def test_random_csv_bytes_are_a_register_or_a_register_error(data):
    _read("register.csv", data)


XLSX = riverside_xlsx()


def _zip_of(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, body in parts.items():
            z.writestr(name, body)
    return buf.getvalue()


@FUZZ
@given(data=st.one_of(
    st.binary(max_size=2000),
    st.integers(0, len(XLSX)).map(lambda n: XLSX[:n]),
    st.tuples(st.integers(0, len(XLSX) - 1), st.binary(min_size=1, max_size=64)).map(
        lambda t: XLSX[: t[0]] + t[1] + XLSX[t[0] + len(t[1]):]),
    st.dictionaries(st.sampled_from(["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml",
                                     "_rels/.rels", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml"]),
                    st.binary(max_size=200), max_size=6).map(_zip_of),
), name=st.sampled_from(["register.xlsx", "REGISTER.XLSX", "r.xlsm"]))
def test_random_bytes_named_xlsx_are_a_register_error(data, name):
    _read(name, data)


HOSTILE_CELLS = ["1e400", "-1e400", "inf", "nan", "1" * 5000, float("inf"), float("-inf"), float("nan"), -1, 0, 10**30,
                 2.5, True, "=1/0", "\u200b", "🙂" * 100, "9999-12-31", "0001-01-01", "1/1/0000", "31/12/9999"]


@pytest.mark.parametrize("column", COLUMNS)
def test_each_column_takes_hostile_cells_in_a_workbook_and_a_csv(column):
    """One hostile cell at a time, the rest of the row sound: every value is read or refused."""
    import datetime as dt

    from openpyxl import Workbook

    sound = ["R1", "Title", "What could happen", "Tech", 3, 4, 12, "Owner", "reduce", "Act by May", "open",
             dt.date(2024, 1, 5)]
    for value in HOSTILE_CELLS + [dt.date(9999, 12, 31), dt.date(1, 1, 1)]:
        row = list(sound)
        row[COLUMNS.index(column)] = value
        wb = Workbook()
        wb.active.append(HEADERS)
        wb.active.append(row)
        buf = io.BytesIO()
        wb.save(buf)
        _read("register.xlsx", buf.getvalue())
        out = io.StringIO()
        csv.writer(out).writerows([HEADERS, row])
        _read("register.csv", out.getvalue().encode())
