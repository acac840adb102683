"""The report's picture: expected concurrent tasks over 24 hours, as a self-contained SVG.

Drawn from the report document alone: the busiest day's running tasks (area), the tasks held
back by pools or ``max_active_tasks`` (stacked above), deferred tasks in the triggerer (line),
and the recommended class's worker capacity at its maximum and minimum worker counts.
"""

from __future__ import annotations

import math
from html import escape

WIDTH, HEIGHT = 960, 420
LEFT, RIGHT, TOP, BOTTOM = 76, 24, 84, 64
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
MINUTES = 1440

COLORS = {
    "running": "#2b6cb0",
    "waiting": "#dd6b20",
    "deferred": "#2f855a",
    "max": "#c53030",
    "min": "#4a5568",
    "grid": "#e2e8f0",
    "axis": "#1a202c",
}


def nice_step(span: float, ticks: int = 6) -> float:
    """A 1-2-5 step that divides ``span`` into at most ``ticks`` intervals."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return max(factor * magnitude, 1.0)
    return 10 * magnitude  # pragma: no cover - the loop always returns


def _x(minute: float) -> float:
    return LEFT + PLOT_W * minute / MINUTES


def _fmt(value: float) -> str:
    text = f"{value:.1f}"
    return text.removesuffix(".0")


def _step_points(values: list[float], y) -> list[tuple[float, float]]:
    """Corners of a step line (value held for the whole minute), only where the value changes."""
    points: list[tuple[float, float]] = []
    previous = None
    for minute, value in enumerate(values):
        if value != previous:
            if previous is not None:
                points.append((_x(minute), y(previous)))
            points.append((_x(minute), y(value)))
            previous = value
    if previous is not None:
        points.append((_x(len(values)), y(previous)))
    return points


def _path(points: list[tuple[float, float]]) -> str:
    return " ".join(("M" if i == 0 else "L") + f"{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))


def _area(upper: list[tuple[float, float]], lower: list[tuple[float, float]]) -> str:
    return _path(upper + list(reversed(lower))) + " Z"


def concurrency_svg(document: dict) -> str:
    rows = document["concurrency"]
    running = [row["running"] for row in rows]
    waiting = [row["waiting"] for row in rows]
    deferred = [row["deferred"] for row in rows]
    wanted = [r + w for r, w in zip(running, waiting, strict=True)]
    capacity = document["capacity"]
    recommendation = document["recommendation"]
    name = recommendation["environment_class"]
    max_slots, min_slots = capacity["max_worker_slots"], capacity["min_worker_slots"]
    top_value = max([*wanted, *deferred, max_slots, 1.0])
    step = nice_step(top_value * 1.08)
    y_max = step * math.ceil(top_value * 1.08 / step)

    def y(value: float) -> float:
        return TOP + PLOT_H * (1 - value / y_max)

    day = document["demand"]["busiest_day"]
    title = f"Expected concurrent tasks over 24 hours ({day}, UTC) with {name} worker capacity"
    parts = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-labelledby="chart-title" '
        'font-family="Helvetica, Arial, sans-serif" font-size="12">'),
        f'<title id="chart-title">{escape(title)}</title>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        (f'<text x="{LEFT}" y="24" font-size="16" font-weight="bold" fill="{COLORS["axis"]}">'
        f'{escape("Expected concurrent tasks over 24 hours")}</text>'),
        f'<text x="{LEFT}" y="42" fill="#4a5568">{escape(f"Busiest day of the reference week: {day}. Recommended: {name}.")}</text>',
    ]
    # Grid and y axis
    value = 0.0
    while value <= y_max + 1e-9:
        ypos = y(value)
        parts.append(f'<line x1="{LEFT}" y1="{ypos:.1f}" x2="{LEFT + PLOT_W}" y2="{ypos:.1f}" '
                     f'stroke="{COLORS["grid"]}"/>')
        parts.append(f'<text x="{LEFT - 8}" y="{ypos + 4:.1f}" text-anchor="end" fill="{COLORS["axis"]}">'
                     f"{_fmt(value)}</text>")
        value += step
    # x axis: every two hours
    for hour in range(0, 25, 2):
        xpos = _x(hour * 60)
        parts.append(f'<line x1="{xpos:.1f}" y1="{TOP}" x2="{xpos:.1f}" y2="{TOP + PLOT_H}" '
                     f'stroke="{COLORS["grid"]}"/>')
        parts.append(f'<text x="{xpos:.1f}" y="{TOP + PLOT_H + 18}" text-anchor="middle" '
                     f'fill="{COLORS["axis"]}">{hour:02d}:00</text>')
    # Series
    baseline = [(_x(0), y(0)), (_x(MINUTES), y(0))]
    running_points = _step_points(running, y)
    if any(waiting):
        parts.append(f'<path d="{_area(_step_points(wanted, y), running_points)}" '
                     f'fill="{COLORS["waiting"]}" fill-opacity="0.35" stroke="{COLORS["waiting"]}" '
                     'stroke-width="1"/>')
    if running_points:
        parts.append(f'<path d="{_area(running_points, baseline)}" fill="{COLORS["running"]}" '
                     f'fill-opacity="0.35" stroke="{COLORS["running"]}" stroke-width="1.5"/>')
    if any(deferred):
        parts.append(f'<path d="{_path(_step_points(deferred, y))}" fill="none" '
                     f'stroke="{COLORS["deferred"]}" stroke-width="1.5"/>')
    # Capacity lines
    for slots, color, dash, label in (
        (max_slots, COLORS["max"], "8 4",
         f"max capacity {slots_text(capacity['max_workers'], capacity['tasks_per_worker'])}"),
        (min_slots, COLORS["min"], "2 3",
         f"min capacity {slots_text(capacity['min_workers'], capacity['tasks_per_worker'])}"),
    ):
        ypos = y(slots)
        parts.append(f'<line x1="{LEFT}" y1="{ypos:.1f}" x2="{LEFT + PLOT_W}" y2="{ypos:.1f}" '
                     f'stroke="{color}" stroke-width="2" stroke-dasharray="{dash}"/>')
        parts.append(f'<text x="{LEFT + PLOT_W - 4}" y="{ypos - 5:.1f}" text-anchor="end" '
                     f'fill="{color}">{escape(label)}</text>')
    # Axes
    parts += [
        f'<line x1="{LEFT}" y1="{TOP + PLOT_H}" x2="{LEFT + PLOT_W}" y2="{TOP + PLOT_H}" stroke="{COLORS["axis"]}"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + PLOT_H}" stroke="{COLORS["axis"]}"/>',
        (f'<text x="{LEFT + PLOT_W / 2:.1f}" y="{HEIGHT - 14}" text-anchor="middle" font-size="13" '
        f'fill="{COLORS["axis"]}">Time of day (UTC, hh:mm)</text>'),
        (f'<text transform="translate(20 {TOP + PLOT_H / 2:.1f}) rotate(-90)" text-anchor="middle" '
        f'font-size="13" fill="{COLORS["axis"]}">Concurrent tasks (worker slots)</text>'),
    ]
    # Legend
    legend = [("running", "tasks running", "area")]
    if any(waiting):
        legend.append(("waiting", "held back by pools / max_active_tasks", "area"))
    if any(deferred):
        legend.append(("deferred", "deferred (in the triggerer)", "line"))
    legend += [("max", f"{name} at max workers", "dash"), ("min", f"{name} at min workers", "dot")]
    xpos = LEFT
    for key, label, style in legend:
        color = COLORS[key]
        if style == "area":
            parts.append(f'<rect x="{xpos}" y="56" width="14" height="10" fill="{color}" '
                         f'fill-opacity="0.35" stroke="{color}"/>')
        else:
            dash = {"line": "", "dash": ' stroke-dasharray="8 4"', "dot": ' stroke-dasharray="2 3"'}[style]
            parts.append(f'<line x1="{xpos}" y1="61" x2="{xpos + 14}" y2="61" stroke="{color}" '
                         f'stroke-width="2"{dash}/>')
        parts.append(f'<text x="{xpos + 19}" y="65" fill="{COLORS["axis"]}">{escape(label)}</text>')
        xpos += 19 + 6.3 * len(label) + 18
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def slots_text(workers: int, per_worker: int) -> str:
    return f"{workers} worker{'s' if workers != 1 else ''} x {per_worker} tasks = {workers * per_worker} slots"
