"""The one store-scoping base of every ModelAdmin and inline of the portal.

Staff see, pick, search, filter, act on, import and export only what belongs to their
stores (accounts.access); superusers see everything. The scoping is generic: every
model declares its path to its store (`store_path`), so a new admin, a new foreign key
or a new list filter is scoped by construction."""

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import F
from django.http import Http404
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import access

STORE_TIME_HELP = _("Time in %(zone)s, the store's time zone.")


def request_store_ids(request) -> set[int] | None:
    """The request user's stores (None: every store), asked once per request."""
    if not hasattr(request, "_staff_store_ids"):
        request._staff_store_ids = access.staff_store_ids(request.user)
    return request._staff_store_ids



def request_sees_several_stores(request) -> bool:
    """Whether the user's choices can mix stores (a superuser, staff of two stores)."""
    if not hasattr(request, "_sees_several_stores"):
        ids = request_store_ids(request)
        request._sees_several_stores = access.store_model().objects.count() > 1 if ids is None else len(ids) > 1
    return request._sees_several_stores


def _single_path(model) -> str | None:
    """The model's path to its store when it follows single relations only ("" for
    the Store itself), else None."""
    path = access.store_path(model)
    if path is None or (path and access._crosses_many(model, path)):
        return None
    return path


def store_of(obj):
    """The store an object belongs to, read through its path (None: unknown)."""
    if obj is None:
        return None
    path = _single_path(type(obj))
    if path is None:
        return None
    for name in path.split("__") if path else ():
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj


def _label_with_store(formfield, path: str) -> None:
    """Choices of several stores read "Store name · label"."""
    formfield.queryset = formfield.queryset.annotate(_store_name=F(f"{path}__name"))
    plain = formfield.label_from_instance

    formfield.label_from_instance = lambda obj: f"{getattr(obj, '_store_name', '')} · {plain(obj)}"


def _scope_formfield(formfield, request):
    if formfield is not None and getattr(formfield, "queryset", None) is not None:
        formfield.queryset = access.in_stores(formfield.queryset, request_store_ids(request))
        path = _single_path(formfield.queryset.model)
        if path and request_sees_several_stores(request):
            _label_with_store(formfield, path)
    return formfield


def narrow_to_store(fields, store) -> None:
    """Where the form knows its object's store, choices of store-owned things list
    only that store's, named plainly; date-times say they are in the store's zone."""
    for field in fields.values():
        queryset = getattr(field, "queryset", None)
        if queryset is not None:
            path = _single_path(queryset.model)
            if path:  # not the store field itself: an object may still be moved by whoever may
                field.queryset = queryset.filter(**{f"{path}": store})
                field.label_from_instance = type(field).label_from_instance.__get__(field)
        if isinstance(field, forms_datetime_fields()):
            note = str(STORE_TIME_HELP % {"zone": store.time_zone})
            field.help_text = f"{field.help_text} {note}".strip() if field.help_text else note


def forms_datetime_fields():
    from django import forms

    return (forms.DateTimeField, forms.SplitDateTimeField)


def request_store_for(request, obj):
    """The store whose clock and choices a change form works in: the object's, else
    the only store the user works for, else the one named in the query string."""
    store = store_of(obj)
    if store is not None:
        return store
    ids = request_store_ids(request)
    if ids is not None and len(ids) == 1:
        return access.store_model().objects.filter(pk__in=ids).first()
    return None


def _zoned_column(name: str, field):
    """A date-time list column shown in its row's store zone, with the zone named."""

    def column(obj):
        value = getattr(obj, name)
        store = store_of(obj)
        if value is None:
            return "—"
        if store is None:
            return date_filter(value, "j M Y, H:i T")
        return date_filter(timezone.localtime(value, store.time_zone), "j M Y, H:i T")

    column.short_description = field.verbose_name
    column.admin_order_field = name
    column.__name__ = name
    return column


class ScopedRelatedFilter(admin.RelatedOnlyFieldListFilter):
    """A relation's filter listing only what the user's rows refer to, within their
    stores; a thing named alike in several stores is shown with its store."""

    def field_choices(self, field, request, model_admin):
        related = field.related_model
        used = model_admin.get_queryset(request).distinct().values_list(f"{self.field_path}__pk", flat=True)
        queryset = access.in_stores(related._default_manager.filter(pk__in=used), request_store_ids(request))
        ordering = self.field_admin_ordering(field, request, model_admin) or related._meta.ordering or ["pk"]
        path = access.store_path(related)
        if not path:  # the Store itself, or a model without a store
            return [(obj.pk, str(obj)) for obj in queryset.order_by(*ordering)]
        rows = list(queryset.annotate(_store_name=F(f"{path}__name")).order_by(*ordering))
        labels = [str(obj) for obj in rows]
        return [
            (obj.pk, f"{label} ({obj._store_name})" if labels.count(label) > 1 else label) for obj, label in zip(rows, labels, strict=True)
        ]


def _is_relation_filter(model, lookup: str) -> bool:
    for name in lookup.split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        if not field.is_relation:
            return False
        model = field.related_model
    return True


class StoreScopedMixin:
    """Queryset, FK/M2M choices and initial values scoped to the user's stores; shared
    by model admins and inlines."""

    def get_queryset(self, request):
        return access.in_stores(super().get_queryset(request), request_store_ids(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return _scope_formfield(super().formfield_for_foreignkey(db_field, request, **kwargs), request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return _scope_formfield(super().formfield_for_manytomany(db_field, request, **kwargs), request)


class StoreScopedAdmin(StoreScopedMixin, admin.ModelAdmin):
    """Every ModelAdmin of the portal inherits this."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        store = request_store_for(request, obj)
        if store is None:
            return form

        class StoreForm(form):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                narrow_to_store(self.fields, store)

        StoreForm.__name__ = form.__name__
        return StoreForm

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Dates and times are read, entered and shown in the store's own zone."""
        obj = None
        if object_id is not None:
            try:
                obj = self.get_object(request, admin.utils.unquote(object_id))
            except (ValidationError, ValueError):
                obj = None
        store = request_store_for(request, obj)
        if store is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        extra_context = {**(extra_context or {}), "store_time_zone": store.time_zone}
        with timezone.override(store.time_zone):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()
        return response

    def get_list_display(self, request):
        """Date-time columns in each row's store zone, the zone named ("PDT")."""
        columns = []
        for name in super().get_list_display(request):
            field = None
            if isinstance(name, str):
                try:
                    field = self.model._meta.get_field(name)
                except FieldDoesNotExist:
                    field = None
            if isinstance(field, models.DateTimeField) and _single_path(self.model) is not None:
                columns.append(_zoned_column(name, field))
            else:
                columns.append(name)
        return columns

    def get_list_select_related(self, request):
        chosen = super().get_list_select_related(request)
        path = _single_path(self.model)
        if path and isinstance(chosen, (list, tuple)) and path not in chosen:
            return [*chosen, path]
        return chosen

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return access.in_stores(queryset, request_store_ids(request)), may_have_duplicates

    def get_list_filter(self, request):
        filters = []
        for entry in super().get_list_filter(request):
            lookup, chosen = entry if isinstance(entry, (list, tuple)) else (entry, None)
            own_scoped = isinstance(chosen, type) and issubclass(chosen, ScopedRelatedFilter)  # kept as chosen
            if not own_scoped and isinstance(lookup, str) and _is_relation_filter(self.model, lookup):
                entry = (lookup, ScopedRelatedFilter)
            filters.append(entry)
        return filters

    def get_changeform_initial_data(self, request):
        """Initial values from the query string (`?policy=<id>`): a relation must name
        one of the user's own objects, anything else is a 404, never a 500."""
        initial = super().get_changeform_initial_data(request)
        for name, value in initial.items():
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if not field.is_relation or field.auto_created or value in ("", None):
                continue
            ids = value if isinstance(value, list) else [value]
            owned = access.in_stores(field.related_model._default_manager.all(), request_store_ids(request))
            try:
                found = owned.filter(pk__in=ids).count()
            except (ValueError, TypeError, ValidationError):
                raise Http404 from None
            if found != len(set(ids)):
                raise Http404
        ids = request_store_ids(request)
        if ids is not None and len(ids) == 1:  # staff of one store: it is the store
            for field in self.model._meta.get_fields():
                if (field.many_to_one or field.one_to_one) and field.concrete and field.related_model is access.store_model():
                    initial.setdefault(field.name, next(iter(ids)))
        return initial


class StoreScopedInlineMixin(StoreScopedMixin):
    def get_formset(self, request, obj=None, **kwargs):
        """Also the fields the formset adds itself (the rows' hidden ids); rows of an
        object of one store choose among that store's things."""
        formset = super().get_formset(request, obj, **kwargs)
        store = request_store_for(request, obj)

        class ScopedFormSet(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                for field in form.fields.values():
                    _scope_formfield(field, request)
                if store is not None:
                    narrow_to_store(form.fields, store)

        ScopedFormSet.__name__ = formset.__name__
        return ScopedFormSet


class StoreScopedTabularInline(StoreScopedInlineMixin, admin.TabularInline):
    pass


class StoreScopedStackedInline(StoreScopedInlineMixin, admin.StackedInline):
    pass
