"""``mypage-worker seed`` creates the schema when missing, seeds, and prints a summary."""

from __future__ import annotations

from sqlalchemy import func, select

from worker.cli import main
from worker.db import make_engine
from worker.domain.models import Condition, JobOffer, Seeker


def _counts(database) -> tuple[int, int, int]:
    engine = make_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as conn:
            return tuple(conn.execute(select(func.count()).select_from(m)).scalar_one()
                         for m in (Seeker, Condition, JobOffer))
    finally:
        engine.dispose()


def test_seed_creates_the_schema_fills_the_database_and_reports_the_counts(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MYPAGE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("MYPAGE_DATABASE_URL", raising=False)

    assert main(["seed", "--seekers", "60", "--jobs", "40", "--seed", "3", "--pending-jobs", "5"]) == 0

    seekers, conditions, offers = _counts(tmp_path / "mypage.db")
    assert (seekers, offers) == (60, 40) and conditions >= 60
    out = capsys.readouterr().out
    assert f"seeded 60 seekers with {conditions:,} conditions" in out
    assert "40 job offers (5 pending)" in out and "seed 3" in out


def test_running_seed_again_adds_more_rows_after_the_existing_ones(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MYPAGE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("MYPAGE_DATABASE_URL", raising=False)
    assert main(["seed", "--seekers", "20", "--jobs", "10", "--seed", "1"]) == 0
    assert main(["seed", "--seekers", "20", "--jobs", "10", "--seed", "1"]) == 0

    seekers, _conditions, offers = _counts(tmp_path / "mypage.db")
    assert (seekers, offers) == (40, 20)
    assert "seeker indices from 20, job offer indices from 10" in capsys.readouterr().out


def _condition_rows(database) -> list[dict]:
    engine = make_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(select(Condition.__table__).order_by(Condition.id))]
    finally:
        engine.dispose()


def test_seed_is_realistic_by_default_and_dense_on_request(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("MYPAGE_DATABASE_URL", raising=False)
    rows = {}
    for profile in ("realistic", "dense"):
        folder = tmp_path / profile
        monkeypatch.setenv("MYPAGE_VAR_DIR", str(folder))
        extra = [] if profile == "realistic" else ["--profile", "dense"]
        assert main(["seed", "--seekers", "40", "--jobs", "10", "--seed", "2", *extra]) == 0
        assert f"profile {profile}" in capsys.readouterr().out
        rows[profile] = _condition_rows(folder / "mypage.db")
    registered = [r for r in rows["realistic"] if r["kind"] == "registered"]
    assert all(r["occupation_codes"] and r["employment_forms"] and r["wage_min"] for r in registered)
    assert rows["realistic"] != rows["dense"]


def test_seeding_twice_with_the_same_seed_and_profile_gives_the_same_rows(tmp_path, monkeypatch):
    monkeypatch.delenv("MYPAGE_DATABASE_URL", raising=False)
    found = []
    for run in ("a", "b"):
        monkeypatch.setenv("MYPAGE_VAR_DIR", str(tmp_path / run))
        assert main(["seed", "--seekers", "30", "--jobs", "5", "--seed", "4"]) == 0
        found.append([{k: v for k, v in r.items() if k not in ("created_at", "updated_at")}
                      for r in _condition_rows(tmp_path / run / "mypage.db")])
    assert found[0] == found[1]
