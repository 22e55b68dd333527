"""The dashboard's chart: mails per hour over 48 hours as stacked bars in inline SVG (no
script, no library), with the hours in JST."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from worker.pipeline.dashboard import SERIES, HourBucket

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 960, 220, 44, 28, 10
COLOURS = {"sent": "#2f7d4f", "failed": "#c0392b", "waiting": "#d4a017"}
LABELS = {"sent": "送信済み", "failed": "失敗・抑止・期限切れ", "waiting": "送信待ち"}


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[tuple[float, str]]  # x, hour label
    grid: list[tuple[float, str]]  # y, count label
    legend: list[tuple[str, str]]
    peak: int
    left: int
    baseline: float


def hourly_chart(hours: list[HourBucket], tz: ZoneInfo) -> Chart:
    peak = max([bucket.total for bucket in hours] + [1])
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    slot = plot_w / max(1, len(hours))
    bars, ticks = [], []
    for n, bucket in enumerate(hours):
        x = LEFT + n * slot
        y = TOP + plot_h
        local = bucket.start.astimezone(tz)
        for name in SERIES:
            count = bucket.counts.get(name, 0)
            if count:
                h = plot_h * count / peak
                y -= h
                bars.append(Bar(round(x + 1, 1), round(y, 1), round(slot - 2, 1), round(h, 1), COLOURS[name],
                                f"{local:%m/%d %H}時 {LABELS[name]} {count:,}通"))
        if local.hour % 6 == 0 and x + slot / 2 < WIDTH - 36:  # a label centred on its bar, never clipped
            ticks.append((round(x + slot / 2, 1), f"{local:%d日%H時}"))
    grid = [(round(TOP + plot_h * (1 - f), 1), f"{round(peak * f):,}") for f in (0, 0.5, 1)]
    return Chart(WIDTH, HEIGHT, bars, ticks, grid, [(COLOURS[k], LABELS[k]) for k in SERIES], peak, LEFT,
                 TOP + plot_h)
