"""Late submissions, with nbgrader's semantics, for ``nncourse collect`` and ``grade``.

nbgrader decides lateness from two things: the assignment's ``duedate`` in the gradebook
and the submission's ``timestamp.txt``. A notebook is late when its timestamp is after the
due date; ``LateSubmissionPlugin.penalty_method`` then sets its
``late_submission_penalty``: ``none`` (recorded only) or ``zero`` (the penalty is the
notebook's score, so it scores 0). ``collect`` writes the timestamps and records what the
rule will do; ``grade --due --penalty`` sets the due date and the method, and grades.csv
shows the score after the penalty.

Times without an offset are taken as UTC, as nbgrader does.
"""

from datetime import UTC, datetime

from .course import CourseError

PENALTIES = ("none", "zero")
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"  # nbgrader's default timestamp_format


def parse_due(text: str | None) -> datetime | None:
    """``--due`` as an aware UTC datetime: ISO 8601 date(-time), UTC without an offset."""
    if text is None:
        return None
    try:
        due = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CourseError(
            f"--due {text!r} is not an ISO 8601 date-time (e.g. 2026-11-30T23:59:00+01:00)"
        ) from None
    return due.replace(tzinfo=UTC) if due.tzinfo is None else due.astimezone(UTC)


def check_penalty(penalty: str) -> str:
    if penalty not in PENALTIES:
        raise CourseError(f"--penalty must be one of {', '.join(PENALTIES)}, got {penalty!r}")
    return penalty


def nbgrader_timestamp(when: datetime) -> str:
    """``2026-11-30 14:03:00.000000 UTC``, the text of nbgrader's ``timestamp.txt``."""
    return when.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def naive_utc(when: datetime | None) -> datetime | None:
    """The gradebook's form of a time: naive, in UTC (nbgrader's ``parse_utc``)."""
    if when is None or when.tzinfo is None:
        return when
    return when.astimezone(UTC).replace(tzinfo=None)


def how_late(seconds: float) -> str:
    """``3 d 2 h 5 min``; seconds when under a minute."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, _ = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [(days, "d"), (hours, "h"), (minutes, "min")]
    return " ".join(f"{n} {unit}" for n, unit in parts if n) or "0 min"


def late_detail(seconds_late: float, penalty: float, method: str) -> str:
    """What grades.csv says about a late notebook."""
    said = f"submitted {how_late(seconds_late)} after the due date"
    if method == "zero":
        return f"{said}; late penalty -{penalty:g} (--penalty zero)"
    return f"{said}; no penalty (--penalty none)"
