"""The argument types every command shares. Each is an argparse ``type``: it turns the text into
a value or raises ``ArgumentTypeError`` with a reason, which argparse prints in one line with
the option's name and exit status 2."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from matchers.codes.places import prefectures
from matchers.vocabulary import PREFECTURE


def at_least(minimum: int):
    """An integer no smaller than ``minimum`` (a count of nothing is no count)."""
    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer of at least {minimum}, not {value}")
        return value
    parse.__name__ = f"integer >= {minimum}"
    return parse


non_negative = at_least(0)
positive = at_least(1)


def shard_list(text: str) -> list[int]:
    """``I,J``: shard numbers, each at least 0, none twice."""
    parse = at_least(0)
    shards = [parse(part) for part in text.split(",")]
    if len(set(shards)) != len(shards):
        raise argparse.ArgumentTypeError(f"{text!r} names a shard twice")
    return sorted(shards)


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, not {text}")
    return value


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} は YYYY-MM-DD の日付ではありません") from None


def prefecture(text: str) -> str:
    """A prefecture code 01–47 (a mistyped code would shrink a segment silently, to nobody)."""
    if not PREFECTURE.fullmatch(text) or text not in prefectures():
        raise argparse.ArgumentTypeError(f"{text!r} は都道府県コード（01〜47）ではありません")
    return text


def existing_file(text: str) -> Path:
    """A regular file: the commands read it twice (to count its lines, then to import them),
    which a pipe or FIFO cannot give; a directory is named as one rather than as missing."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: ディレクトリです（ファイルを指定してください）")
    if path.exists() and not path.is_file():
        raise argparse.ArgumentTypeError(f"{text}: 通常のファイルではありません（パイプやデバイスは読めません）")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text}: ファイルがありません")
    return path
