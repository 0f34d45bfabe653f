"""A thin, typed door into nbgrader's Python API, configured from the course config.

Every nbgrader run here uses the course's ``autograder/nbgrader_config.py`` and then
points ``CourseDirectory`` at the folder the run works in, so the instructor's settings
(code stubs, overwrite rules) hold everywhere and nothing writes into the repo by accident.
"""

import logging
import os
import sys
from pathlib import Path

from traitlets.config import Config, PyFileConfigLoader

from .course import Course, CourseError
from .extras import require


def course_config(course: Course, root: Path, db_url: str | None = None) -> Config:
    """The course's nbgrader config, re-rooted at ``root`` with its gradebook at ``db_url``
    (default: ``root/gradebook.db``)."""
    loader = PyFileConfigLoader(course.config_file.name, path=str(course.config_file.parent))
    config = loader.load_config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.source_directory = "source"
    config.CourseDirectory.release_directory = "release"
    config.CourseDirectory.db_url = db_url or f"sqlite:///{root / 'gradebook.db'}"
    config.Exchange.root = str(root / "exchange")
    return config


def venv_tools_on_path() -> None:
    """nbgrader runs helper commands (``alembic``) by name: make the interpreter's own
    bin folder win, so a venv works without being activated."""
    bindir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bindir:
        os.environ["PATH"] = os.pathsep.join([bindir, os.environ.get("PATH", "")])


def alembic_head() -> str:
    """The gradebook schema version of the installed nbgrader, read in-process."""
    import nbgrader
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(Path(nbgrader.__file__).parent / "alembic"))
    return ScriptDirectory.from_config(cfg).get_current_head()


def ensure_sqlite_gradebook(db_url: str) -> None:
    """Create a new SQLite gradebook exactly as nbgrader would (tables plus the alembic
    version stamp), but without nbgrader's `alembic heads` subprocess, which costs
    several seconds per new gradebook. Other databases are left to nbgrader."""
    prefix = "sqlite:///"
    if not db_url.startswith(prefix) or Path(db_url[len(prefix) :]).exists():
        return
    from nbgrader.api import Base
    from sqlalchemy import create_engine, text

    Path(db_url[len(prefix) :]).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(db_url)
    try:
        Base.metadata.create_all(bind=engine)
        with engine.begin() as con:
            con.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            con.execute(
                text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": alembic_head()}
            )
    finally:
        engine.dispose()


def check_gradebook(db_url: str) -> str:
    """The gradebook URL to use; ``CourseError`` unless ``db_url`` is a SQLite or
    PostgreSQL URL that opens. ``postgresql://`` gets the psycopg (3) driver, whatever
    SQLAlchemy's default is."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    try:
        url = make_url(db_url)
    except ArgumentError as err:
        raise CourseError(f"--db {db_url!r} is not a database URL: {err}") from None
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise CourseError(f"--db {shown}: use sqlite:///PATH or postgresql://USER@HOST/DB")
    if url.get_backend_name() == "sqlite":
        return db_url  # created on first use (ensure_sqlite_gradebook)
    require("postgres")
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    engine = None
    try:
        engine = create_engine(url)
        with engine.connect() as con:
            con.execute(text("SELECT 1"))
    except (SQLAlchemyError, ImportError) as err:
        reason = str(getattr(err, "orig", None) or err).strip().splitlines()[0]
        raise CourseError(f"could not open the gradebook {shown}: {reason}") from None
    finally:
        if engine is not None:
            engine.dispose()
    return url.render_as_string(hide_password=False)


def make_api(config: Config):
    """An ``NbGraderAPI`` on the given config, with nbgrader's own logging kept quiet."""
    venv_tools_on_path()
    ensure_sqlite_gradebook(config.CourseDirectory.db_url)
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    api.log.setLevel(logging.WARNING)
    return api


def run(result: dict, what: str) -> str:
    """Raise with nbgrader's own log when an API call failed; return the log otherwise."""
    if not result.get("success"):
        log = (result.get("log") or "").strip()
        error = (result.get("error") or "").strip()
        raise NbgraderFailed(f"nbgrader {what} failed:\n{log}\n{error}".rstrip())
    return result.get("log", "")


class NbgraderFailed(RuntimeError):
    """An nbgrader step failed; the message carries nbgrader's log."""
