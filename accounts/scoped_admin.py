"""The one store-scoping base of every ModelAdmin and inline of the portal.

Staff see, pick, search, filter, act on, import and export only what belongs to their
stores (accounts.access); superusers see everything. The scoping is generic: every
model declares its path to its store (`store_path`), so a new admin, a new foreign key
or a new list filter is scoped by construction."""

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F
from django.http import Http404

from accounts import access


def request_store_ids(request) -> set[int] | None:
    """The request user's stores (None: every store), asked once per request."""
    if not hasattr(request, "_staff_store_ids"):
        request._staff_store_ids = access.staff_store_ids(request.user)
    return request._staff_store_ids



def _scope_formfield(formfield, request):
    if formfield is not None and getattr(formfield, "queryset", None) is not None:
        formfield.queryset = access.in_stores(formfield.queryset, request_store_ids(request))
    return formfield


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
        return initial


class StoreScopedInlineMixin(StoreScopedMixin):
    def get_formset(self, request, obj=None, **kwargs):
        """Also the fields the formset adds itself (the rows' hidden ids)."""
        formset = super().get_formset(request, obj, **kwargs)

        class ScopedFormSet(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                for field in form.fields.values():
                    _scope_formfield(field, request)

        ScopedFormSet.__name__ = formset.__name__
        return ScopedFormSet


class StoreScopedTabularInline(StoreScopedInlineMixin, admin.TabularInline):
    pass


class StoreScopedStackedInline(StoreScopedInlineMixin, admin.StackedInline):
    pass
