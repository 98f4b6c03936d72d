"""Charts for the numbers, drawn on the server as SVG with pygal: no JavaScript, no CDN,
no build step. Colours are the Okabe–Ito palette (told apart with every common kind of
colour blindness); labels and values come formatted in the viewer's language (dates on
the market's calendar, money with ``format_money``, Persian digits for Persian), because
pygal only places the strings it is given."""

from __future__ import annotations

import re
from decimal import Decimal

import pygal
from babel.numbers import format_decimal, format_percent
from django.conf import settings
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

from omni.money import NATIVE_DIGITS, format_money

# Okabe & Ito (2008): blue, orange, bluish green, reddish purple, sky blue, vermillion,
# yellow, black.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")

STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#333333",
    foreground_strong="#1a1a1a",
    foreground_subtle="#d9d9d9",
    opacity=".85",
    opacity_hover="1",
    colors=OKABE_ITO,
    font_family=(
        "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Noto Sans Thai', "
        "Tahoma, sans-serif"
    ),
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    value_font_size=12,
    tooltip_font_size=13,
    title_font_size=15,
)

_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def _language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def _locale() -> str:
    base = _language().split("-")[0]
    return {"fil": "fil_PH", "fa": "fa_IR", "th": "th_TH", "vi": "vi_VN"}.get(base, "en_US")


def _digits(text: str) -> str:
    table = NATIVE_DIGITS.get(_language().split("-")[0])
    return text.translate(table) if table else text


def number(value, decimals: int = 0) -> str:
    """A count or an average in the viewer's language ("1,234", "۱٬۲۳۴", "2.5")."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    value = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    text = format_decimal(value, format=pattern, locale=_locale())
    return _digits(text)


def percent(value) -> str:
    if value is None:
        return "–"
    value = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    return _digits(format_percent(value, format="#,##0.#%", locale=_locale()))


def money(value, currency: str | None = None) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):  # a chart's own value (an axis tick, a point): shown only
        value = Decimal(str(round(value, 2)))
    return format_money(value, currency)


def _svg(chart) -> SafeString:
    # The inline config script only drives pygal's hover tooltips; the SVG stands alone.
    text = chart.render(is_unicode=True)
    text = _COMMENT.sub("", _SCRIPT.sub("", text))
    return mark_safe(text)


def _base(kind, *, title: str, formatter, width: int = 760, height: int = 320, **options):
    return kind(
        style=STYLE,
        title=title,
        width=width,
        height=height,
        js=[],
        disable_xml_declaration=True,
        explicit_size=False,
        legend_at_bottom=True,
        legend_at_bottom_columns=options.pop("legend_columns", 3),
        truncate_legend=-1,
        truncate_label=-1,
        value_formatter=formatter,
        margin=12,
        margin_bottom=28,
        spacing=14,
        **options,
    )


def line_chart(
    *, title: str, labels: list[str], series: list[tuple[str, list]], formatter, width: int = 760
) -> SafeString:
    every = max(1, -(-len(labels) // 6))
    chart = _base(
        pygal.Line,
        title=title,
        formatter=formatter,
        width=width,
        show_minor_x_labels=False,
        x_labels_major_every=every,
        dots_size=3 if len(labels) <= 31 else 1,
        stroke_style={"width": 3},
        show_y_guides=True,
        show_x_guides=False,
    )
    chart.x_labels = labels
    chart.y_labels_major_count = 5
    for name, values in series:
        chart.add(name, [float(v) if v is not None else None for v in values])
    _y_labels(chart, [v for _, values in series for v in values], formatter)
    return _svg(chart)


def bar_chart(
    *,
    title: str,
    labels: list[str],
    series: list[tuple[str, list]],
    formatter,
    horizontal: bool = False,
    width: int = 760,
) -> SafeString:
    """``width`` is the drawing's own: a half-width card passes ~460 so its labels are
    not shrunk below a readable size on a tablet."""
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    height = max(240, 40 * len(labels) + 110) if horizontal else (320 if width > 600 else 300)
    longest = max((len(name) for name, _values in series), default=0)
    columns = 1 if longest * 3 > width / 8 else (2 if longest * 3 > width / 12 else 3)
    chart = _base(
        kind,
        title=title,
        formatter=formatter,
        width=width,
        height=height,
        print_values=False,
        legend_columns=columns,
    )
    chart.x_labels = labels
    for name, values in series:
        chart.add(name, [float(v) if v is not None else None for v in values])
    _y_labels(chart, [v for _, values in series for v in values], formatter)
    return _svg(chart)


def _y_labels(chart, values, formatter) -> None:
    """Axis ticks as the viewer writes numbers (pygal would print ASCII digits)."""
    top = max([float(v) for v in values if v is not None] + [0.0])
    if top <= 0:
        top = 1.0
    step = _nice_step(top / 4)
    if all(float(v).is_integer() for v in values if v is not None):
        step = max(1.0, round(step))  # counts: whole ticks
    ticks = [step * n for n in range(0, int(top // step) + 2)]
    chart.y_labels = [{"label": formatter(t), "value": t} for t in ticks]


def _nice_step(raw: float) -> float:
    import math

    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power
