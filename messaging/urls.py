"""Messaging's URLs: the storefront's list message, the back-office inbox and 360 send,
and the SMS provider's callbacks (``webhook_urlpatterns``, mounted at ``/webhooks/sms/``
outside the language prefix: the provider signs the exact URL)."""

from django.urls import path

from messaging import backoffice, views

app_name = "messaging"

urlpatterns = [
    path("lists/<str:token>/message/", views.list_message, name="list-message"),
]

backoffice_urlpatterns = [
    path("inbox/", backoffice.inbox, name="inbox"),
    path("inbox/<int:thread_id>/", backoffice.thread_detail, name="inbox-thread"),
    path("inbox/<int:thread_id>/reply/", backoffice.thread_reply, name="inbox-reply"),
    path(
        "customers/<int:customer_id>/message/",
        backoffice.customer_message_send,
        name="customer-message",
    ),
    path(
        "customers/<int:customer_id>/service-messages/",
        backoffice.customer_service_channel,
        name="customer-service-channel",
    ),
    path(
        "customers/<int:customer_id>/message/template/",
        backoffice.customer_message_template,
        name="customer-message-template",
    ),
]

webhook_urlpatterns = [
    path("status/", views.sms_status, name="messaging-sms-status"),
    path("inbound/", views.sms_inbound, name="messaging-sms-inbound"),
]
