"""Bar-chart geometry for the stats page, drawn as inline SVG by the template.

Server-side so the charts need no JavaScript and no vendored library; the numbers behind
every chart are also in a table next to it for screen readers and for copying.
"""
from dataclasses import dataclass, field

from django.utils.formats import date_format

STATUS_COLORS = {
    "success": "#1a7f37",
    "failed": "#cf222e",
    "running": "#0969da",
    "queued": "#8c959f",
    "skipped": "#bf8700",
    "missed": "#953800",
    "cancelled": "#6e7781",
}
SERIES_COLORS = {"messages_sent": "#8250df", "profiles_visited": "#0a7ea4"}

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 12, 30


@dataclass
class Rect:
    x: float
    y: float
    width: float
    height: float
    color: str
    title: str


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    rects: list[Rect] = field(default_factory=list)
    y_ticks: list[dict] = field(default_factory=list)  # {"y", "label"}
    x_labels: list[dict] = field(default_factory=list)  # {"x", "label"}
    legend: list[dict] = field(default_factory=list)  # {"color", "label"}
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    baseline: int = HEIGHT - BOTTOM
    empty: bool = True


def _nice_max(value: int) -> int:
    """The axis top: the value rounded up to 1, 2 or 5 times a power of ten (at least 1)."""
    if value <= 1:
        return 1
    magnitude = 1
    while magnitude * 10 < value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return value


def _frame(days: list, top_value: int) -> tuple[Chart, float, float]:
    chart = Chart()
    plot_h = chart.baseline - TOP
    band = (chart.plot_right - chart.plot_left) / max(len(days), 1)
    scale = plot_h / top_value
    for fraction in (0, 0.5, 1):
        value = top_value * fraction
        if fraction == 0.5 and value != int(value):
            continue
        chart.y_ticks.append({"y": round(chart.baseline - value * scale, 1), "label": int(value)})
    every = 1 if len(days) <= 10 else max(2, -(-len(days) // 15))  # at most ~15 labels
    for i, day in enumerate(days):
        if (len(days) - 1 - i) % every == 0:
            chart.x_labels.append({"x": round(chart.plot_left + band * (i + 0.5), 1), "label": f"{day:%d/%m}"})
    return chart, band, scale


def stacked_status_chart(series: list[dict], statuses: list[tuple[str, str]]) -> Chart:
    """Runs per day, one stacked bar per day, one colour per status (``statuses``: value, label)."""
    days = [row["day"] for row in series]
    top = _nice_max(max((row["total"] for row in series), default=0))
    chart, band, scale = _frame(days, top)
    bar = band * 0.7
    for i, row in enumerate(series):
        y = chart.baseline
        for status, label in statuses:
            count = row["by_status"].get(status, 0)
            if not count:
                continue
            h = count * scale
            y -= h
            chart.rects.append(
                Rect(
                    x=round(chart.plot_left + band * i + (band - bar) / 2, 1),
                    y=round(y, 1),
                    width=round(bar, 1),
                    height=round(h, 1),
                    color=STATUS_COLORS.get(status, "#57606a"),
                    title=f"{date_format(row['day'], 'D d M')}: {count} {label.lower()}",
                )
            )
    used = {status for row in series for status, n in row["by_status"].items() if n}
    chart.legend = [{"color": STATUS_COLORS.get(s, "#57606a"), "label": label} for s, label in statuses if s in used]
    chart.empty = not chart.rects
    return chart


def grouped_chart(series: list[dict], keys: list[tuple[str, str]]) -> Chart:
    """Side-by-side bars per day, one per key (``keys``: row key, label)."""
    days = [row["day"] for row in series]
    top = _nice_max(max((row[key] for row in series for key, _ in keys), default=0))
    chart, band, scale = _frame(days, top)
    bar = band * 0.8 / len(keys)
    for i, row in enumerate(series):
        for j, (key, label) in enumerate(keys):
            value = row[key]
            if not value:
                continue
            h = value * scale
            chart.rects.append(
                Rect(
                    x=round(chart.plot_left + band * i + band * 0.1 + bar * j, 1),
                    y=round(chart.baseline - h, 1),
                    width=round(bar, 1),
                    height=round(h, 1),
                    color=SERIES_COLORS.get(key, "#57606a"),
                    title=f"{date_format(row['day'], 'D d M')}: {value} {label.lower()}",
                )
            )
    chart.legend = [{"color": SERIES_COLORS.get(key, "#57606a"), "label": label} for key, label in keys]
    chart.empty = not chart.rects
    return chart
