"""The staff queue (claims.admin.ClaimAdmin's change list): its saved views, named once
so the admin index and the queue's links agree with its filters, and the claims next to
one claim in the queue's own order (the workspace's j/k and "Save and open the next
claim").

The neighbours are found by a keyset seek on the order the change list built (its
filters and its column sort, `o=`, then the default order and the primary key that make
it total): "the first claim after these sort values", a few LIMIT 1 queries, each an
equality or a range on the sort keys, never an OFFSET or a row number over the queue."""

from dataclasses import dataclass

from django.db.models import F, Model, Q, QuerySet
from django.db.models.expressions import OrderBy

# ClockFilter: a review clock that has passed, as the admin index counts overdue reviews
REVIEW_OVERDUE = "review_overdue"
# "My overdue": claims assigned to me whose most urgent clock has passed
MY_OVERDUE_QUERY = "assigned=me&clock=overdue"


@dataclass(frozen=True)
class SortKey:
    """One column of a total order: its lookup path, its direction and where NULLs go
    (PostgreSQL's default: NULLs are the largest value, last going up, first going down)."""

    path: str
    descending: bool = False
    nulls_first: bool | None = None
    nullable: bool = True

    @property
    def nulls_come_first(self) -> bool:
        return self.descending if self.nulls_first is None else self.nulls_first

    def reversed(self) -> "SortKey":
        return SortKey(self.path, not self.descending, not self.nulls_come_first, self.nullable)

    def order_by(self) -> OrderBy:
        first = self.nulls_come_first
        return OrderBy(F(self.path), descending=self.descending, nulls_first=first or None, nulls_last=(not first) or None)

    def equal(self, value) -> Q:
        return Q(**{f"{self.path}__isnull": True}) if value is None else Q(**{self.path: value})


def sort_keys(model: type[Model], ordering) -> list[SortKey] | None:
    """The change list's ordering (strings, F() and OrderBy as ChangeList.get_ordering
    builds them) as sort keys, a relation by its model's own ordering as the database
    sorts it, up to the first unique key. None when a term cannot be compared (an
    expression other than a column)."""
    keys: list[SortKey] = []
    for term in ordering:
        if isinstance(term, str):
            if term == "?":
                return None
            resolved = _field_keys(model, term.lstrip("-"), term.startswith("-"))
        elif isinstance(term, F):
            resolved = _field_keys(model, term.name, False)
        elif isinstance(term, OrderBy) and isinstance(term.expression, F):
            resolved = _field_keys(model, term.expression.name, term.descending)
            if resolved and len(resolved) == 1 and (term.nulls_first or term.nulls_last):
                only = resolved[0]
                resolved = [SortKey(only.path, only.descending, bool(term.nulls_first), only.nullable)]
        else:
            return None
        if resolved is None:
            return None
        for key in resolved:
            if key.path not in {k.path for k in keys}:
                keys.append(key)
            if key.path in ("pk", "id"):
                return keys
    return [*keys, SortKey("pk")]


def _field_keys(model: type[Model], path: str, descending: bool) -> list[SortKey] | None:
    if path in ("pk", model._meta.pk.name):
        return [SortKey("pk", descending, nullable=False)]
    opts, field, nullable = model._meta, None, False
    for part in path.split("__"):
        if opts is None:
            return None
        try:
            field = opts.get_field(part)
        except Exception:  # noqa: BLE001 - an annotation or a transform: not a column we can seek on
            return None
        nullable = nullable or field.null  # a nullable relation on the way: a LEFT JOIN's NULLs
        opts = field.related_model._meta if field.is_relation else None
    if field.is_relation and field.related_model:
        related_ordering = field.related_model._meta.ordering
        if not related_ordering:
            return [SortKey(f"{path}_id" if "__" not in path else f"{path}__pk", descending, nullable=nullable)]
        keys: list[SortKey] = []
        for term in related_ordering:
            if not isinstance(term, str):
                return None
            inner = _field_keys(field.related_model, term.lstrip("-"), descending != term.startswith("-"))
            if inner is None:
                return None
            keys += [SortKey(f"{path}__{k.path}", k.descending, k.nulls_first, nullable or k.nullable) for k in inner]
        return keys
    return [SortKey(path, descending, nullable=nullable)]


def queue_neighbour(queue: QuerySet, *, pk: int, place: dict | None = None, forward: bool = True) -> int | None:
    """The claim right after (forward) or before the claim `pk` in the queue's own
    order (queue.query.order_by, as the change list built it). `place` is the claim's
    sort values when it may have moved since (a step just taken), else they are read."""
    keys = sort_keys(queue.model, queue.query.order_by)
    if keys is None:
        return None
    if not forward:
        keys = [key.reversed() for key in keys]
    if place is None:
        place = queue_place(queue, pk=pk)
        if place is None:
            return None
    order = [key.order_by() for key in keys]
    return _seek(queue.exclude(pk=pk).order_by(*order), keys, place)


def _seek(rows: QuerySet, keys: list[SortKey], place: dict) -> int | None:
    """The first row after `place`: first among the rows tied with it on the first key
    (by the next keys), else the first with a later first key, the non-NULL values
    before the NULLs when NULLs come last. Each query is an equality or a range on a
    key prefix, LIMIT 1: an index on the keys (claims_queue_store_idx for the default
    order) answers it without reading the rows before the claim."""
    first, rest = keys[0], keys[1:]
    value = place[first.path]
    if rest:
        tied = _seek(rows.filter(first.equal(value)), rest, place)
        if tied is not None:
            return tied
    if value is None:
        later = [Q(**{f"{first.path}__isnull": False})] if first.nulls_come_first else []
    else:
        later = [Q(**{f"{first.path}__{'lt' if first.descending else 'gt'}": value})]
        if first.nullable and not first.nulls_come_first:
            later.append(Q(**{f"{first.path}__isnull": True}))
    for condition in later:
        found = rows.filter(condition).values_list("pk", flat=True).first()
        if found is not None:
            return found
    return None


def queue_place(queue: QuerySet, *, pk: int) -> dict | None:
    """The claim's values of the queue's sort columns (whether or not it is in the
    queue now): where it stands."""
    keys = sort_keys(queue.model, queue.query.order_by) or []
    return queue.model._base_manager.filter(pk=pk).values(*{key.path for key in keys}).first()


def queue_first(queue: QuerySet, *, exclude: int | None = None) -> int | None:
    """The first claim of the queue in its own order."""
    rows = queue.exclude(pk=exclude) if exclude is not None else queue
    return rows.values_list("pk", flat=True).first()
