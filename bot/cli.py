"""`pmo-tutor` command line."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from bot.scenarios.loader import DEFAULT_DIR, ScenarioError, load_scenario, scenario_files


def _validate(args) -> int:
    files = scenario_files(args.path or DEFAULT_DIR)
    if not files:
        print(f"no scenario files (*.yml, *.yaml) found at {args.path or DEFAULT_DIR}", file=sys.stderr)
        return 1
    ok, seen = True, {}
    for path in files:
        try:
            s = load_scenario(path)
        except ScenarioError as e:
            ok = False
            print(f"INVALID {e.path}")
            for problem in e.problems:
                print(f"  - {problem}")
            continue
        if s.id in seen:
            ok = False
            print(f"INVALID {path}\n  - id: '{s.id}' is already used by {seen[s.id]}")
            continue
        seen[s.id] = path
        types = sorted({f.type.value for f in s.flaws})
        print(f"ok      {path}: {s.id}, {len(s.rows)} risks, {len(s.flaws)} flaws ({', '.join(types)})")
    return 0 if ok else 1


def _judging(args):
    """--today and --scheme (or --tolerance on the built-in 5 x 5); None after saying what's wrong."""
    from bot.evaluation.scheme import SchemeError, built_in, load_scheme
    from bot.scenarios.register_import import parse_date

    try:
        today = parse_date(args.today) if args.today else dt.date.today()
    except ValueError as e:
        print(f"--today: {e}", file=sys.stderr)
        return None
    if not 1 <= args.tolerance <= 25:
        print("--tolerance: must be a score from 1 to 25", file=sys.stderr)
        return None
    try:
        return today, (load_scheme(args.scheme) if args.scheme else built_in(args.tolerance))
    except SchemeError as e:
        print(f"--scheme: {e}", file=sys.stderr)
        return None


def _from_register(args) -> int:
    from pathlib import Path

    import yaml

    from bot.scenarios.from_register import NotPlayable, from_register
    from bot.scenarios.register_import import RegisterError, read_register

    judging = _judging(args)
    if judging is None:
        return 2
    today, scheme = judging
    try:
        rows = read_register(args.file, (scheme.probability, scheme.impact))
        title = args.title or Path(args.file).stem.replace("_", " ").replace("-", " ").strip().capitalize()
        scenario = from_register(rows, title, today, scheme.tolerance, scheme=scheme)
    except (RegisterError, NotPlayable) as e:
        print(f"cannot make a scenario: {e}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{scenario['id']}.yml"
    header = ("# Made from your register by `pmo-tutor scenarios from-register`: the linter's findings are the\n"
              "# answer key (flaws:). Delete any that are not flaws, add those it cannot see (underrated,\n"
              "# missing_risk), fill in the brief, then check it with `pmo-tutor scenarios validate`.\n")
    path.write_text(header + yaml.safe_dump(scenario, sort_keys=False, allow_unicode=True, width=100),
                    encoding="utf-8")
    print(f"wrote {path}: {len(scenario['register'])} risks, {len(scenario['flaws'])} flaws")
    return 0


def _lint(args) -> int:
    import json

    from bot.evaluation.lint import lint_rows, to_html, to_text
    from bot.scenarios.register_import import RegisterError, read_register

    judging = _judging(args)
    if judging is None:
        return 2
    today, scheme = judging
    try:
        rows = read_register(args.file, (scheme.probability, scheme.impact))
    except RegisterError as e:
        print(f"cannot lint: {e}", file=sys.stderr)
        return 2
    findings = lint_rows(rows, today, scheme.tolerance, scheme)
    if args.format == "json":
        print(json.dumps({"findings": [f.as_dict() for f in findings], "scheme": scheme.as_dict()}, indent=2))
    elif args.format == "html":
        print(to_html(findings, args.file))
    else:
        print(to_text(findings))
        print(f"Judged against {scheme.describe()}.")
    return 0


def _schema(args) -> int:
    """The scenario file's JSON Schema, from the pydantic model: editors use it for completion."""
    from bot.scenarios.model import LEVELS, RESPONSES, RISK_ID, SCENARIO_ID, Scenario

    schema = Scenario.schema(by_alias=True)
    schema["title"] = "PMO Challenge Tutor scenario"
    # The validators' rules, stated where an editor can see them.
    schema["properties"]["id"]["pattern"] = SCENARIO_ID.pattern
    schema["properties"]["level"]["enum"] = list(LEVELS)
    row = schema["definitions"]["Row"]["properties"]
    row["id"]["pattern"] = RISK_ID.pattern
    row["response"]["enum"] = list(RESPONSES)
    row["status"]["enum"] = ["open", "closed"]
    print(json.dumps(schema, indent=2, default=str))
    return 0


def _run(args) -> int:
    from bot.stack import main

    return main(args.model)


def _cluster(args) -> int:
    from bot.cluster import main

    return main(args.model)


def _web(args) -> int:
    from bot.web.app import serve

    serve(args.host, args.port)
    return 0


def _telegram(args) -> int:
    from bot.channels.telegram import main

    return main()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pmo-tutor", description="PMO Challenge Tutor")
    sub = parser.add_subparsers(dest="command", required=True)

    sc = sub.add_parser("scenarios", help="work with scenario files")
    sc_sub = sc.add_subparsers(dest="action", required=True)
    v = sc_sub.add_parser("validate", help="check scenario files; exit 0 only when all are valid")
    v.add_argument("path", nargs="?", help="a file or a folder (default: data/scenarios)")
    v.set_defaults(func=_validate)
    fr = sc_sub.add_parser("from-register", help="write an editable scenario file made from a register (CSV or XLSX)")
    fr.add_argument("file")
    fr.add_argument("--out", required=True, help="the folder to write the scenario file into")
    fr.add_argument("--title", help="the exercise's title (default: from the file name)")
    fr.add_argument("--today", help="YYYY-MM-DD; review dates are judged against it (default: today)")
    fr.add_argument("--tolerance", type=int, default=15, help="scores above this must be escalated (default 15)")
    fr.add_argument("--scheme", help="your scoring scheme (YAML), as for `lint --scheme`")
    fr.set_defaults(func=_from_register)
    sch = sc_sub.add_parser("schema", help="print the scenario file's JSON Schema (for editor completion)")
    sch.set_defaults(func=_schema)

    lint = sub.add_parser("lint", help="report the flaws of a risk register (CSV or XLSX)")
    lint.add_argument("file")
    lint.add_argument("--format", choices=["json", "text", "html"], default="text")
    lint.add_argument("--today", help="YYYY-MM-DD; review dates are judged against it (default: today)")
    lint.add_argument("--scheme", help="your scoring scheme (YAML: scales, tolerance by category, RAG bands)")
    lint.add_argument("--tolerance", type=int, default=15,
                      help="scores above this must be escalated (default 15)")
    lint.set_defaults(func=_lint)

    r = sub.add_parser("run", help="run the whole stack in the foreground")
    r.add_argument("--model", default="models/pmo-tutor.tar.gz")
    r.set_defaults(func=_run)

    cl = sub.add_parser("cluster", help="run the scaled-out stack in the foreground (make run-cluster)")
    cl.add_argument("--model", default="models/pmo-tutor.tar.gz")
    cl.set_defaults(func=_cluster)

    w = sub.add_parser("web", help="run the web app (trainer API and pages) alone")
    w.add_argument("--host", default="127.0.0.1")
    w.add_argument("--port", type=int, default=8000)
    w.set_defaults(func=_web)

    tg = sub.add_parser(
        "telegram",
        help="run the Telegram bridge alone (TELEGRAM_BOT_TOKEN; Rasa at RASA_URL, default http://127.0.0.1:5005)",
    )
    tg.set_defaults(func=_telegram)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
