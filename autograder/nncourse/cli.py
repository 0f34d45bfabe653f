"""The ``nncourse`` command: build, grade, demo (README, "For instructors")."""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from .build import build
from .collect import SubmissionsError
from .course import CourseError, course_from_arg
from .gradescope import VISIBILITIES
from .late import PENALTIES
from .nbgrader_api import NbgraderFailed
from .sandbox import MIN_MEMORY_MB


def cmd_build(args) -> int:
    course = course_from_arg(args.course)
    problems = build(course, check=args.check)
    if args.check:
        if problems:
            print("assignments/ is stale; run `nncourse build`:", file=sys.stderr)
            for line in problems:
                print(f"  {line}", file=sys.stderr)
            return 1
        print(
            f"assignments/ is in sync with solutions/ ({len(course.assignment_ids())} assignments)"
        )
        return 0
    print(f"built {', '.join(course.assignment_ids())} into {course.assignments}")
    return 0


def cmd_grade(args) -> int:
    from .grade import GradeOptions, grade
    from .report import summary_table, write_html_report

    course = course_from_arg(args.course)
    if args.timeout <= 0:
        raise CourseError(f"--timeout must be > 0 seconds, got {args.timeout}")
    if args.memory < MIN_MEMORY_MB:
        raise CourseError(
            f"--memory must be at least {MIN_MEMORY_MB} MB (a kernel needs it), got {args.memory}"
        )
    unknown = sorted(set(args.unlock or ()) - set(course.assignment_ids()))
    if unknown:
        raise CourseError(f"--unlock: unknown assignment(s) {', '.join(unknown)}")
    opts = GradeOptions(
        assignment=args.assignment,
        out=Path(args.out),
        students=args.student,
        timeout=args.timeout,
        memory=args.memory,
        workers=args.workers,
        resume=args.resume,
        db_url=args.db,
        sandbox=False if args.no_sandbox else None,
        executor=args.executor,
        scheduler=args.scheduler,
        due=args.due,
        penalty=args.penalty,
        unlock=tuple(args.unlock or ()),
        tamper_scan=not args.no_tamper_scan,
    )
    start = time.perf_counter()
    result = grade(course, Path(args.submissions), opts)
    report = write_html_report(opts.out / "report.html", result, opts.assignment)
    print(summary_table(result.grade_rows, result.seconds, result.warnings))
    kept = f" ({len(result.resumed)} kept from an earlier run)" if result.resumed else ""
    print(
        f"\ngraded {len(result.grade_rows)} notebooks{kept} in {time.perf_counter() - start:.1f} s"
    )
    print(f"results: {opts.out / 'grades.csv'}, {opts.out / 'tests.csv'}, {report}")
    print(f"feedback: {opts.out / 'feedback'}")
    return 0


def cmd_demo(args) -> int:
    from .demo import demo

    course = course_from_arg(args.course)
    out = Path(args.out) if args.out else Path(tempfile.gettempdir()) / "nncourse-demo"
    return demo(course, out)


def cmd_collect(args) -> int:
    from .lms import collect_summary, collect_zip

    result = collect_zip(
        Path(args.zip),
        args.assignment,
        Path(args.out),
        roster=Path(args.roster) if args.roster else None,
        due=args.due,
        penalty=args.penalty,
    )
    print(f"collected {args.zip} into {args.out}/STUDENT/{args.assignment}/")
    print(collect_summary(result))
    return 0


def cmd_export(args) -> int:
    from .lms import export

    roster = Path(args.roster) if args.roster else None
    copies, unknown = export(Path(args.dir), args.format, Path(args.out), roster)
    if unknown:
        print(
            f"warning: {len(unknown)} graded student(s) not in {roster}; their student id "
            f"stands in for the LMS id, which the LMS may not match: {', '.join(unknown)}",
            file=sys.stderr,
        )
    print(f"wrote {args.out} ({args.format})")
    print(f"wrote {len(copies)} feedback file(s) under {Path(args.dir) / 'lms'}")
    return 0


def cmd_release(args) -> int:
    from .release import release

    course = course_from_arg(args.course)
    result = release(course, args.ids, list(args.unlock or ()), Path(args.out))
    size = result.wheel.stat().st_size / 1e3
    print(f"released {', '.join(args.ids)} into {result.out}")
    print(f"  wheel: {result.wheel.relative_to(result.out)} ({size:.0f} kB)")
    print(f"  visible cases with stored expected values: {result.visible_cases}")
    print(f"  unlocked: {', '.join(sorted(args.unlock or ())) or 'none'}")
    return 0


def cmd_gradescope(args) -> int:
    from .gradescope import build_zip

    course = course_from_arg(args.course)
    out = build_zip(course, args.id, Path(args.out), args.hidden_visibility, args.due, args.penalty)
    size = out.stat().st_size / 1e3
    print(f"wrote {out} ({size:.0f} kB): upload it as the Gradescope autograder of {args.id}")
    return 0


def feedback_path(notebook: str) -> Path:
    """``work/03_lr_schedules.ipynb`` -> ``work/03_lr_schedules.feedback.html``."""
    path = Path(notebook)
    return path.with_name(f"{path.stem}.feedback.html")


def cmd_check(args) -> int:
    from .check import check, check_table

    course = course_from_arg(args.course)
    result = check(
        course,
        Path(args.notebook),
        args.assignment,
        tuple(args.unlock or ()),
        sandbox=False if args.no_sandbox else None,
        feedback=None if args.no_feedback else Path(args.feedback or feedback_path(args.notebook)),
    )
    print(check_table(result))
    return 0


def cmd_site(args) -> int:
    from .site import build_site, summary

    course = course_from_arg(args.course)
    site = build_site(course, Path(args.out), args.lesson)
    print(summary(site))
    for failure in site.failures:
        print(f"nncourse: error: {failure}", file=sys.stderr)
    return 1 if site.failures else 0


def late_options(p: argparse.ArgumentParser, penalty_help: str) -> None:
    """--due and --penalty, shared by collect and grade (nncourse.late)."""
    p.add_argument("--due", metavar="ISO8601", help="due date, ISO 8601 (UTC without an offset)")
    p.add_argument("--penalty", choices=PENALTIES, default="none", help=penalty_help)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nncourse", description=__doc__)
    p.add_argument("--course", metavar="DIR", help="course root (default: found from the cwd)")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="generate assignments/ from solutions/ with nbgrader")
    b.add_argument("--check", action="store_true", help="exit 1 if assignments/ is stale")
    b.set_defaults(func=cmd_build)

    g = sub.add_parser("grade", help="autograde a folder (or zip) of submissions")
    g.add_argument("submissions", help="folder or zip holding STUDENT/ASSIGNMENT/*.ipynb")
    g.add_argument("--assignment", required=True, help="assignment id, e.g. 01_gradient_checking")
    g.add_argument("--out", required=True, help="run folder: a self-contained nbgrader course")
    g.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds one whole notebook may run (300); the kernel is then killed",
    )
    g.add_argument(
        "--memory", type=int, default=2048, help="memory limit of one notebook in MB (2048)"
    )
    g.add_argument(
        "--workers", type=int, help="notebooks executed at once (default: the number of cores)"
    )
    g.add_argument(
        "--student", action="append", help="grade only this student, replacing only their rows"
    )
    g.add_argument(
        "--resume", action="store_true", help="keep finished students of an earlier run in OUT"
    )
    g.add_argument(
        "--executor", choices=["local", "dask"], default="local", help="where notebooks run"
    )
    g.add_argument("--scheduler", help="Dask scheduler address (with --executor dask)")
    g.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run kernels without bubblewrap (resource limits only; a warning is printed)",
    )
    g.add_argument("--db", help="gradebook URL (default: sqlite:///OUT/gradebook.db)")
    g.add_argument(
        "--unlock",
        action="append",
        metavar="ID",
        help="an assignment whose nnkit answers student code may use (default: none)",
    )
    g.add_argument(
        "--no-tamper-scan",
        action="store_true",
        help="grade notebooks the tamper scan would flag (after a review; points never "
        "depend on the scan)",
    )
    late_options(g, "late notebooks (timestamp.txt after --due): no penalty, or score 0")
    g.set_defaults(func=cmd_grade)

    d = sub.add_parser("demo", help="build, grade the bundled sample class, print the table")
    d.add_argument("--out", help="where to write the demo run (default: $TMPDIR/nncourse-demo)")
    d.set_defaults(func=cmd_demo)

    c = sub.add_parser(
        "collect", help="turn an LMS (Canvas, Moodle) bulk-download zip into submissions"
    )
    c.add_argument("zip", metavar="ZIP", help="the LMS bulk-download zip")
    c.add_argument(
        "--assignment", required=True, metavar="ID", help="assignment id, e.g. 01_gradient_checking"
    )
    c.add_argument(
        "--roster",
        metavar="CSV",
        help="CSV student_id,lms_id[,name] (default: the LMS id is the student id)",
    )
    late_options(c, "late submissions: record no penalty (none) or a score of 0 (zero)")
    c.add_argument(
        "--out",
        required=True,
        metavar="SUBMISSIONS",
        help="submissions folder STUDENT/ASSIGNMENT/ to write",
    )
    c.set_defaults(func=cmd_collect)

    e = sub.add_parser("export", help="grades of a run as a CSV table or Canvas gradebook import")
    e.add_argument("dir", metavar="DIR", help="an `nncourse grade` run folder (holding grades.csv)")
    e.add_argument("--format", choices=["csv", "canvas"], required=True, help="output layout")
    e.add_argument("--out", required=True, metavar="FILE", help="the CSV file to write")
    e.add_argument(
        "--roster", metavar="CSV", help="CSV student_id,lms_id[,name]: names and LMS ids"
    )
    e.set_defaults(func=cmd_export)

    r = sub.add_parser("release", help="the student bundle: notebooks and the nnkit wheel")
    r.add_argument("ids", nargs="+", metavar="ID", help="assignments to release")
    r.add_argument(
        "--unlock",
        action="append",
        metavar="ID",
        help="an assignment whose answers ship in nnkit (e.g. after its due date)",
    )
    r.add_argument("--out", required=True, metavar="DIR", help="bundle folder (new or empty)")
    r.set_defaults(func=cmd_release)

    gs = sub.add_parser("gradescope", help="a Gradescope autograder zip for one assignment")
    gs.add_argument("id", metavar="ID", help="the assignment")
    gs.add_argument("--out", required=True, metavar="ZIP", help="the zip to write")
    gs.add_argument(
        "--hidden-visibility",
        default="after_due_date",
        choices=VISIBILITIES,
        help="when students see the hidden tests' results (default after_due_date)",
    )
    gs.add_argument(
        "--due", metavar="ISO8601", help="due date (default: the Gradescope assignment's)"
    )
    gs.add_argument(
        "--penalty",
        default="none",
        choices=PENALTIES,
        help="a late notebook: none (said in the output) or zero (nbgrader's plugin)",
    )
    gs.set_defaults(func=cmd_gradescope)

    k = sub.add_parser(
        "check", help="grade one notebook as `grade` would and print a table per function"
    )
    k.add_argument("notebook", metavar="NOTEBOOK", help="the notebook to grade")
    k.add_argument("--assignment", metavar="ID", help="its assignment (default: its file stem)")
    k.add_argument(
        "--unlock",
        action="append",
        metavar="ID",
        help="an assignment whose nnkit answers student code may use (default: none)",
    )
    k.add_argument("--no-sandbox", action="store_true", help="run without bubblewrap")
    k.add_argument(
        "--feedback",
        metavar="FILE",
        help="where to write the feedback page (default: NOTEBOOK with .feedback.html)",
    )
    k.add_argument("--no-feedback", action="store_true", help="write no feedback page")
    k.set_defaults(func=cmd_check)

    s = sub.add_parser(
        "site", help="the self-study site: every solved lesson, executed, as static HTML"
    )
    s.add_argument("--out", required=True, metavar="DIR", help="site folder (new, empty or a site)")
    s.add_argument(
        "--lesson",
        action="append",
        metavar="ID",
        help="build only this lesson's page (repeatable; default: every lesson)",
    )
    s.set_defaults(func=cmd_site)
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (CourseError, SubmissionsError, NbgraderFailed) as err:
        print(f"nncourse: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
