"""nncourse.late: the due date, the penalty rule and how grades.csv words lateness."""

from datetime import UTC, datetime

import pytest

from nncourse.course import CourseError
from nncourse.late import (
    check_penalty,
    how_late,
    late_detail,
    naive_utc,
    nbgrader_timestamp,
    parse_due,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-30T14:00:00Z", datetime(2026, 11, 30, 14, tzinfo=UTC)),
        ("2026-11-30T15:00:00+01:00", datetime(2026, 11, 30, 14, tzinfo=UTC)),
        ("2026-11-30 14:00", datetime(2026, 11, 30, 14, tzinfo=UTC)),  # no offset: UTC
        ("2026-11-30", datetime(2026, 11, 30, tzinfo=UTC)),
        (None, None),
    ],
)
def test_parse_due(text, expected):
    assert parse_due(text) == expected


@pytest.mark.parametrize("text", ["next friday", "30/11/2026", ""])
def test_parse_due_refuses_what_is_not_iso(text):
    with pytest.raises(CourseError, match="not an ISO 8601 date-time"):
        parse_due(text)


def test_check_penalty():
    assert check_penalty("zero") == "zero"
    with pytest.raises(CourseError, match="--penalty must be one of none, zero, got 'half'"):
        check_penalty("half")


def test_times_as_nbgrader_keeps_them():
    when = datetime(2026, 11, 30, 15, 3, tzinfo=datetime.now(UTC).astimezone().tzinfo)
    assert naive_utc(parse_due("2026-11-30T15:03:00+01:00")) == datetime(2026, 11, 30, 14, 3)
    assert naive_utc(None) is None
    assert nbgrader_timestamp(parse_due("2026-11-30T15:03:00+01:00")) == (
        "2026-11-30 14:03:00.000000 UTC"
    )
    assert naive_utc(when).tzinfo is None


@pytest.mark.parametrize(
    "seconds, text",
    [(0, "0 s"), (59.6, "1 min"), (59.4, "59 s"), (3600, "1 h"), (90061, "1 d 1 h 1 min")],
)
def test_how_late(seconds, text):
    assert how_late(seconds) == text


def test_late_detail():
    assert late_detail(7200, 12.5, "zero") == (
        "submitted 2 h after the due date; late penalty -12.5 (--penalty zero)"
    )
    assert late_detail(30, 0, "none") == (
        "submitted 30 s after the due date; no penalty (--penalty none)"
    )
