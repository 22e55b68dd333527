"""``mypage-worker bench``: the matching benchmark (generated data; prints one JSON object)."""

from __future__ import annotations

from worker.cli.args import at_least


def register(sub) -> None:
    parser = sub.add_parser("bench", help="benchmark the condition index against the reference and PostgreSQL")
    parser.add_argument("--conditions", type=at_least(0), default=50_000, help="stored conditions to generate (N)")
    parser.add_argument("--jobs", type=at_least(1), default=1_000, help="job offers to match (M)")
    parser.add_argument("--reference-sample", type=at_least(0), default=10, help="offers also run through the reference (K)")
    parser.add_argument("--postgres", metavar="URL", help="also time the PostgreSQL baseline in a throw-away schema")
    parser.add_argument("--postgres-jobs", type=at_least(0), default=200, help="offers run through the PostgreSQL baseline")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generated data")
    parser.add_argument("--profile", choices=("realistic", "dense"), default="realistic",
                        help="generated data: realistic 求職票-shaped conditions (default) or the earlier dense ones")
    parser.add_argument("--keywords-only", action="store_true",
                        help="conditions of one to three job words and nothing else, offers with 40–60-word "
                             "descriptions (replaces --profile)")
    parser.add_argument("--json", action="store_true", help="print one JSON object (default: a readable table)")
    parser.set_defaults(func=_run)


def _run(args) -> int:
    from worker.bench.matching import run
    from worker.cli.benchmarks import print_result

    result = run(conditions=args.conditions, jobs=args.jobs, reference_sample=args.reference_sample,
                 postgres_url=args.postgres, postgres_jobs=args.postgres_jobs, seed=args.seed,
                 profile=args.profile, keywords_only=args.keywords_only)
    print_result(result, args.json)
    return 0 if result["identical"] else 1
