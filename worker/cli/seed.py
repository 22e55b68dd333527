"""``mypage-worker seed --seekers N --jobs M --seed S``: realistic synthetic data in the configured
database (schema created or upgraded first), with a progress bar and a summary."""

from __future__ import annotations

import sys

from worker.cli import args as types
from worker.config import load_settings
from worker.seed.generate import DEFAULT_PROFILE, PROFILES


def register(sub) -> None:
    parser = sub.add_parser("seed", help="fill the database with synthetic seekers, conditions and job offers")
    parser.add_argument("--seekers", type=types.non_negative, default=1000, help="seekers to add (default 1000); each has "
                        "one registered condition and 0–3 saved searches, about 3.3 conditions on average")
    parser.add_argument("--jobs", type=types.non_negative, default=1000, help="job offers to add (default 1000)")
    parser.add_argument("--seed", type=types.non_negative, default=1, help="random seed: the same seed gives the same data")
    parser.add_argument("--profile", choices=PROFILES, default=DEFAULT_PROFILE,
                        help="realistic (default): offers from the MHLW occupation database and conditions shaped like "
                             "a real 求職票; dense: the earlier broad conditions, where each offer matches many")
    parser.add_argument("--pending-jobs", type=types.non_negative, default=0, metavar="K",
                        help="leave the last K job offers pending (received today) for the matcher")
    parser.set_defaults(func=_seed)


def _seed(args) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from sqlalchemy.engine.url import make_url

    from worker.db import make_engine
    from worker.migrate import upgrade
    from worker.seed.load import SeedConflict, seed_database

    settings = load_settings()
    settings.make_var_dir()
    url = settings.effective_database_url
    upgrade(url)
    engine = make_engine(url)
    console = Console()
    columns = (TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=not console.is_terminal) as bar:
            tasks = {
                "seeker": bar.add_task("求職者 seekers", total=args.seekers),
                "condition": bar.add_task("条件 conditions", total=None),
                "job_offer": bar.add_task("求人 job offers", total=args.jobs),
            }
            report = seed_database(engine, seekers=args.seekers, jobs=args.jobs, seed=args.seed,
                                   new_jobs_pending=args.pending_jobs, profile=args.profile,
                                   progress=lambda table, rows: bar.advance(tasks[table], rows))
    except SeedConflict as exc:
        print(f"seed failed: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()

    backend = make_url(url).get_backend_name()
    print(f"seeded {report.seekers:,} seekers with {report.conditions:,} conditions "
          f"({report.registered_conditions:,} registered, {report.saved_searches:,} saved searches) "
          f"and {report.job_offers:,} job offers ({report.pending_job_offers:,} pending) "
          f"into {backend} in {report.seconds:.1f} s")
    print(f"seed {report.seed}, profile {args.profile}; seeker indices from {report.first_seeker_index:,}, "
          f"job offer indices from {report.first_job_index:,}")
    return 0
