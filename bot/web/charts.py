"""Server-rendered SVG charts for the trainer's class view: no script, no external library.
Every label is XML-escaped; colours are presentation attributes (the CSP allows no inline style)."""
from __future__ import annotations

from xml.sax.saxutils import escape

INK, MUTED, GRID, BAR, ACCENT = "#1f2937", "#6b7280", "#e5e7eb", "#c2410c", "#1d4ed8"
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    t = escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title, {chr(34): "&quot;"})}" {FONT}>'
        f"<title>{t}</title>" + "".join(body) + "</svg>"
    )


def missed_chart(types: list[dict], title: str = "Flaw types missed most") -> str:
    """Horizontal bars: share of seeded flaws of each type that learners missed."""
    rows = [t for t in types if t.get("seeded")]
    width, label_w, row_h, top = 720, 230, 28, 34
    bar_w = width - label_w - 90
    height = top + max(1, len(rows)) * row_h + 16
    body = [f'<text x="0" y="18" font-size="14" font-weight="600" fill="{INK}">{escape(title)}</text>']
    if not rows:
        body.append(f'<text x="0" y="{top + 18}" font-size="13" fill="{MUTED}">No finished sessions in this selection yet.</text>')
        return _svg(width, height, title, body)
    for pct in (0, 25, 50, 75, 100):
        x = label_w + bar_w * pct / 100
        body.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 10}" stroke="{GRID}"/>')
        body.append(f'<text x="{x:.1f}" y="{height - 1}" font-size="10" fill="{MUTED}" text-anchor="middle">{pct}%</text>')
    for i, t in enumerate(rows):
        y = top + i * row_h
        rate = t["missed"] / t["seeded"]
        body.append(f'<text x="{label_w - 10}" y="{y + 15}" font-size="12" fill="{INK}" text-anchor="end">{escape(t["label"])}</text>')
        body.append(f'<rect x="{label_w}" y="{y + 3}" width="{max(bar_w * rate, 1.5):.1f}" height="{row_h - 10}" rx="3" fill="{BAR}">'
                    f'<title>{escape(t["label"])}: missed {t["missed"]} of {t["seeded"]}</title></rect>')
        body.append(f'<text x="{label_w + bar_w * rate + 6:.1f}" y="{y + 15}" font-size="11" fill="{MUTED}">'
                    f'{round(100 * rate)}% ({t["missed"]}/{t["seeded"]})</text>')
    return _svg(width, height, title, body)


def progress_chart(points: list[dict], title: str = "Average score over time") -> str:
    """A line of the mean score (percent) of finished sessions per day."""
    width, height, left, right, top, bottom = 720, 260, 44, 16, 34, 40
    pw, ph = width - left - right, height - top - bottom
    body = [f'<text x="0" y="18" font-size="14" font-weight="600" fill="{INK}">{escape(title)}</text>']
    for pct in (0, 25, 50, 75, 100):
        y = top + ph * (1 - pct / 100)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="10" fill="{MUTED}" text-anchor="end">{pct}%</text>')
    if not points:
        body.append(f'<text x="{left + 10}" y="{top + ph / 2:.1f}" font-size="13" fill="{MUTED}">No finished sessions in this selection yet.</text>')
        return _svg(width, height, title, body)
    n = len(points)
    xs = [left + (pw * (i + 0.5) / n) for i in range(n)]
    ys = [top + ph * (1 - p["percent"] / 100) for p in points]
    if n > 1:
        path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(zip(xs, ys)))
        body.append(f'<path d="{path}" fill="none" stroke="{ACCENT}" stroke-width="2.5"/>')
    step = max(1, n // 8)
    for i, (p, x, y) in enumerate(zip(points, xs, ys)):
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{ACCENT}">'
                    f'<title>{escape(p["date"])}: {p["percent"]}% over {p["sessions"]} session(s)</title></circle>')
        body.append(f'<text x="{x:.1f}" y="{y - 9:.1f}" font-size="10" fill="{INK}" text-anchor="middle">{p["percent"]}%</text>')
        if i % step == 0:
            body.append(f'<text x="{x:.1f}" y="{height - bottom + 16}" font-size="10" fill="{MUTED}" text-anchor="middle">{escape(p["date"])}</text>')
    return _svg(width, height, title, body)
