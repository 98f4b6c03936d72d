"""Messages in the admin: read-only (every message is written by ``messaging.services``),
for looking up what was sent to whom, its status and the provider's id."""

from django.contrib import admin

from messaging.models import Message, Thread
from omni.admin import ReadOnlyAdminMixin


@admin.register(Message)
class MessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "channel", "direction", "purpose", "kind", "to", "status")
    list_filter = ("channel", "direction", "purpose", "status")
    search_fields = ("to", "sender", "provider_id", "customer__email", "customer__phone")
    list_select_related = ("customer",)
    raw_id_fields = ("customer", "thread", "associate", "location")
    date_hierarchy = "created_at"


@admin.register(Thread)
class ThreadAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("customer", "location", "associate", "last_message_at", "unread")
    list_filter = ("location",)
    list_select_related = ("customer", "location", "associate")
    raw_id_fields = ("customer", "location", "associate")
    search_fields = ("customer__last_name", "customer__email")
