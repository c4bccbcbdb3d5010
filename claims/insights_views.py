"""The managers' insights page in the admin (/admin/insights/): per store and period,
the figures of claims.insights as bar charts (inline SVG, no script) with their tables,
each with a CSV download of exactly the figures shown. The store picker lists the
stores the user manages (a superuser: every store)."""

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims.insights import (
    INSIGHTS_CACHE_SECONDS,
    MAX_DAYS,
    PRESET_DAYS,
    Insights,
    insights_cached,
    insights_period,
    insights_stores,
)
from policies.money import quantize

NO_STORE = gettext_lazy("You manage no store: insights are for the managers of a store.")
BAR_AREA = 480  # viewBox units the longest bar takes (of 600: its words follow it)
BAR_ROW = 40  # viewBox units per bar: its label, then the bar


class InsightsForm(forms.Form):
    store = forms.ModelChoiceField(label=gettext_lazy("Store"), queryset=None, required=False, empty_label=None)
    first = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    last = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    days = forms.TypedChoiceField(
        choices=[(n, n) for n in PRESET_DAYS], coerce=int, required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores


@dataclass(frozen=True)
class Table:
    """One chart's figures: what the page's table shows and the CSV holds, cell for cell;
    `bars`: (label, value, its words) for the chart."""

    slug: str
    title: str
    header: list[str]
    rows: list[list[str]]
    bars: list[tuple[str, Decimal, str]]
    note: str = ""

    def bar_rows(self) -> list[dict]:
        """Each bar in the chart's viewBox: its label above it, its words after it."""
        largest = max((value for _label, value, _words in self.bars), default=Decimal(0))
        return [
            {
                "label": label,
                "words": words,
                "width": round(float(value / largest) * BAR_AREA, 1) if largest > 0 else 0.0,
                "label_y": n * BAR_ROW + 14,
                "bar_y": n * BAR_ROW + 20,
                "words_x": (round(float(value / largest) * BAR_AREA, 1) if largest > 0 else 0.0) + 6,
                "words_y": n * BAR_ROW + 32,
            }
            for n, (label, value, words) in enumerate(self.bars)
        ]

    def height(self) -> int:
        return max(len(self.bars), 1) * BAR_ROW


def _hours(value: timedelta | None) -> str:
    if value is None:
        return "—"
    hours = Decimal(value.total_seconds()) / Decimal(3600)
    return str(hours.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _percent(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return str((value * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def insights_tables(insights: Insights) -> list[Table]:
    """The page's five charts with their figures, formatted once for the page and the CSV."""
    currency_note = _("Amounts in each currency as recorded; deductions are the amounts taken from refunds.")
    times = insights.decision_times
    return [
        Table(
            "reasons",
            _("Claims by reason"),
            [_("Reason"), _("Claims")],
            [[reason.label, str(reason.claims)] for reason in insights.reasons],
            [(reason.label, Decimal(reason.claims), str(reason.claims)) for reason in insights.reasons],
            _("Claims submitted in the period."),
        ),
        Table(
            "products",
            _("Claims and claim rate by product"),
            [_("Product"), _("SKU"), _("Claims"), _("Units claimed"), _("Units sold"), _("Claim rate (%)")],
            [
                [p.name, p.sku, str(p.claims), str(p.units_claimed), str(p.units_sold), _percent(p.rate)]
                for p in insights.products
            ],
            [(p.name, Decimal(p.claims), str(p.claims)) for p in insights.products if p.claims],
            _(
                "Units claimed in claims submitted in the period, per unit sold in orders placed in it (cancelled orders not counted)."
            ),
        ),
        Table(
            "decision-time",
            _("Time to decision"),
            [_("Figure"), _("Hours")],
            [
                [_("Median"), _hours(times.median)],
                [_("90th percentile"), _hours(times.p90)],
                [_("Claims decided"), str(times.claims)],
            ],
            [
                (
                    _("Median"),
                    Decimal(times.median.total_seconds()) if times.median else Decimal(0),
                    _hours(times.median) + " h",
                ),
                (
                    _("90th percentile"),
                    Decimal(times.p90.total_seconds()) if times.p90 else Decimal(0),
                    _hours(times.p90) + " h",
                ),
            ]
            if times.claims
            else [],
            _("From submission to the first decision, for the claims first decided in the period."),
        ),
        Table(
            "sla",
            _("Decisions within the review deadline, per week"),
            [_("Week of"), _("Decisions"), _("Within the deadline"), _("Share (%)")],
            [
                [week.week.isoformat(), str(week.decided), str(week.in_time), _percent(week.share)]
                for week in insights.sla_weeks
            ],
            [(week.week.isoformat(), week.share, _percent(week.share) + " %") for week in insights.sla_weeks],
            _("Every decision made in the week (weeks start on Monday, store time), appeals' included."),
        ),
        Table(
            "money",
            _("Refunds and deductions"),
            [_("Currency"), _("Refunds recorded"), _("Refunded"), _("Compensation"), _("Deducted")],
            [
                [
                    m.currency,
                    str(m.refunds),
                    str(quantize(m.refunded, m.currency)),
                    str(quantize(m.compensated, m.currency)),
                    str(quantize(m.deducted, m.currency)),
                ]
                for m in insights.money
            ],
            [
                bar
                for m in insights.money
                for bar in (
                    (f"{_('Refunded')} {m.currency}", m.refunded, f"{quantize(m.refunded, m.currency)} {m.currency}"),
                    (f"{_('Deducted')} {m.currency}", m.deducted, f"{quantize(m.deducted, m.currency)} {m.currency}"),
                )
            ],
            currency_note,
        ),
    ]


def insights_view(request: HttpRequest) -> HttpResponse:
    """admin_view: staff only; the stores are those the user manages."""
    from django.contrib import admin

    stores = insights_stores(user=request.user)
    if not stores.exists():
        return render(
            request,
            "admin/claims/insights.html",
            {**admin.site.each_context(request), "title": _("Insights"), "refused": NO_STORE},
            status=403,
        )
    form = InsightsForm(request.GET or None, stores=stores)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    store = data.get("store") or stores.first()
    today = timezone.localtime(timezone.now(), store.time_zone).date()
    days = data.get("days")
    period = insights_period(
        store=store, today=today, days=days or None, first=data.get("first"), last=data.get("last")
    )
    insights = insights_cached(store=store, period=period)
    tables = insights_tables(insights)
    wanted = request.GET.get("csv")
    if wanted:
        table = next((t for t in tables if t.slug == wanted), None)
        if table is None:
            raise Http404
        return _csv(table, store, period)
    query = {"store": store.pk, "first": period.first.isoformat(), "last": period.last.isoformat()}
    context = {
        **admin.site.each_context(request),
        "title": _("Insights: %(store)s") % {"store": store.name},
        "form": InsightsForm(initial={"store": store, "first": period.first, "last": period.last}, stores=stores),
        "store": store,
        "period": period,
        "tables": tables,
        "presets": [(n, _preset_active(period, today, n)) for n in PRESET_DAYS],
        "query": query,
        "max_days": MAX_DAYS,
        "counted_at": insights.counted_at,
        "days_not_in_tables": insights.days_not_in_tables,
        "cache_minutes": INSIGHTS_CACHE_SECONDS // 60,
        "form_errors": form.errors if form.is_bound else {},
    }
    return render(request, "admin/claims/insights.html", context)


def _preset_active(period, today: date, days: int) -> bool:
    return period.last == today and period.days == days


def _csv(table: Table, store, period) -> HttpResponse:
    name = f"insights-{slugify(store.slug)}-{table.slug}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(table.header)
    writer.writerows(table.rows)
    return response
