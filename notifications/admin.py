from django.contrib import admin

from notifications.models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "store", "kind", "to", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "store"]
    search_fields = ["to", "subject", "message_id"]
    list_select_related = ["store"]
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(store__memberships__user=request.user)
