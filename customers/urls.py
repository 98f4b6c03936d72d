"""Storefront account area and shared lists; back-office clienteling and list queue.
The account's order pages (``/account/orders/...``) are orders' (``orders:account-orders``).

``urlpatterns`` are the storefront's (namespace ``customers``); ``backoffice_urlpatterns`` are
mounted under ``/backoffice/`` by ``project/urls.py`` in the shared ``backoffice`` namespace, so
their names must be unique across apps."""

from django.urls import path

from . import backoffice, unsubscribe, views

app_name = "customers"

urlpatterns: list = [
    path("account/", views.account_home, name="account"),
    path("account/profile/", views.account_profile, name="profile"),
    path("account/lists/", views.account_lists, name="lists"),
    path("account/lists/add/", views.list_add, name="list-add"),
    path("account/lists/<int:pk>/", views.account_list_detail, name="list-detail"),
    path("account/lists/<int:pk>/rename/", views.account_list_rename, name="list-rename"),
    path("account/lists/<int:pk>/delete/", views.account_list_delete, name="list-delete"),
    path("account/lists/<int:pk>/share/", views.account_list_share, name="list-share"),
    path("account/lists/<int:pk>/send/", views.account_list_send, name="list-send"),
    path(
        "account/lists/<int:pk>/items/<int:item_id>/remove/",
        views.account_list_item_remove,
        name="list-item-remove",
    ),
    path("lists/<str:token>/", views.list_shared_view, name="list-shared"),
    path("email/unsubscribe/<str:token>/", unsubscribe.unsubscribe, name="unsubscribe"),
]

backoffice_urlpatterns: list = [
    path("customers/", backoffice.customer_search, name="customer-search"),
    path("customers/duplicates/", backoffice.customer_duplicates, name="customer-duplicates"),
    path(
        "customers/duplicates/merge/",
        backoffice.customer_duplicate_merge,
        name="customer-duplicate-merge",
    ),
    path("customers/<int:customer_id>/", backoffice.customer_detail, name="customer-detail"),
    path(
        "customers/<int:customer_id>/language/",
        backoffice.customer_language_set,
        name="customer-language-set",
    ),
    path(
        "customers/<int:customer_id>/timeline/",
        backoffice.customer_timeline,
        name="customer-timeline",
    ),
    path(
        "customers/<int:customer_id>/outreach/",
        backoffice.customer_outreach,
        name="customer-outreach",
    ),
    path(
        "customers/<int:customer_id>/notes/",
        backoffice.customer_note_add,
        name="customer-note-add",
    ),
    path(
        "customers/<int:customer_id>/notes/<int:note_id>/pin/",
        backoffice.customer_note_pin,
        name="customer-note-pin",
    ),
    path(
        "customers/<int:customer_id>/sizes/",
        backoffice.customer_size_set,
        name="customer-size-set",
    ),
    path(
        "customers/<int:customer_id>/tasks/",
        backoffice.customer_task_create,
        name="customer-task-create",
    ),
    path(
        "customers/<int:customer_id>/lists/",
        backoffice.customer_list_create,
        name="customer-list-create",
    ),
    path(
        "customers/<int:customer_id>/lists/<int:list_id>/",
        backoffice.customer_list,
        name="customer-list",
    ),
    path(
        "customers/<int:customer_id>/lists/<int:list_id>/add/",
        backoffice.customer_list_add,
        name="customer-list-add",
    ),
    path("lists/", backoffice.lists_queue, name="lists-queue"),
    path("lists/<int:list_id>/status/", backoffice.list_status, name="list-status"),
    path("lists/<int:list_id>/hold/", backoffice.list_hold, name="list-hold"),
    path("tasks/", backoffice.tasks, name="tasks"),
    path("tasks/<int:task_id>/complete/", backoffice.task_complete, name="task-complete"),
    path("tasks/<int:task_id>/cancel/", backoffice.task_cancel, name="task-cancel"),
]
