"""Screens: send from the 360 (and refused without consent), the inbox's permissions and
query count, a thread's reply, the shared list's message to an associate."""

import re

import pytest
from django.urls import reverse

from customers.models import ConsentState, ContactChannel, Interaction
from messaging import services
from messaging.models import Message, Thread
from stores.models import Associate
from tests import factories as f
from tests.messaging.conftest import consent

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def send_url(customer):
    return reverse("backoffice:customer-message", args=[customer.pk])


def test_the_360_shows_consent_and_sends_a_text(
    client, textable, associate, django_capture_on_commit_callbacks
):
    client.force_login(associate.user)
    page = client.get(reverse("backoffice:customer-detail", args=[textable.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="conversation"' in html and "may text" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            send_url(textable), {"channel": "sms", "body": "Your jacket is in"}, **HX
        )
    assert response.status_code == 200
    message = Message.objects.get()
    assert message.status == Message.Status.SENT and message.associate == associate
    assert "Your jacket is in" in response.content.decode()
    assert 'id="timeline" class="card" hx-swap-oob="true"' in response.content.decode()


def test_a_template_in_the_customers_language(client, textable, associate):
    textable.language = "th"
    textable.save()
    client.force_login(associate.user)
    response = client.get(
        reverse("backoffice:customer-message-template", args=[textable.pk]),
        {"template": "size_back"},
        **HX,
    )
    assert response.status_code == 200
    # Without JavaScript: an empty body with a template sends the template's words.
    client.post(send_url(textable), {"channel": "email", "template": "thank_you"})
    message = Message.objects.get()
    assert message.kind == "thank_you" and message.language == "th"
    assert "Salem" in message.body and "Caleb" in message.body


@pytest.mark.parametrize(
    ("state", "channel"),
    [(None, "sms"), (ConsentState.NONE, "sms"), (None, "email"), (ConsentState.NONE, "email")],
)
def test_the_send_is_refused_server_side_without_consent(
    client, customer, associate, state, channel
):
    if state:
        consent(customer, channel, state)
    client.force_login(associate.user)
    page = client.get(reverse("backoffice:customer-detail", args=[customer.pk])).content.decode()
    assert "no consent" in page
    response = client.post(send_url(customer), {"channel": channel, "body": "Hello"}, **HX)
    assert response.status_code == 400
    assert "has not agreed" in response.content.decode()
    assert not Message.objects.exists()
    # Without HTMX too: the page with the error, nothing sent.
    assert client.post(send_url(customer), {"channel": channel, "body": "Hello"}).status_code == 400
    assert not Message.objects.exists()


def test_bad_input_is_a_form_error(client, textable, associate):
    client.force_login(associate.user)
    for data in (
        {"channel": "sms", "body": ""},
        {"channel": "fax", "body": "x"},
        {"channel": "sms", "body": "x" * 1601},
    ):
        assert client.post(send_url(textable), data, **HX).status_code == 400
    textable.phone = "+1 555"
    textable.save()
    response = client.post(send_url(textable), {"channel": "sms", "body": "Hi"}, **HX)
    assert response.status_code == 400 and "valid US phone number" in response.content.decode()
    assert not Message.objects.exists()


def _thread(customer, location, associate=None, **kwargs):
    message = services.message_receive_web(
        customer=customer, body="Hello?", location=location, associate=associate
    )
    return message.thread


@pytest.fixture
def matrix(store, other_store, associate, manager):
    """Threads at Salem: Caleb's client, another associate's client, an unassigned one;
    and one at Portland (where nobody here works)."""
    other = f.AssociateFactory(home_location=store, display_name="Dana")
    mine = f.CustomerFactory(first_name="Mine", primary_associate=associate)
    theirs = f.CustomerFactory(first_name="Theirs", primary_associate=other)
    nobody = f.CustomerFactory(first_name="Nobody")
    far = f.CustomerFactory(first_name="Far")
    return {
        "mine": _thread(mine, store),
        "theirs": _thread(theirs, store, other),
        "unassigned": _thread(nobody, store),
        "elsewhere": _thread(far, other_store),
    }


@pytest.mark.parametrize(
    ("who", "visible"),
    [("associate", {"mine", "unassigned"}), ("manager", {"mine", "theirs", "unassigned"})],
)
def test_inbox_permissions(client, matrix, associate, manager, who, visible):
    reader = {"associate": associate, "manager": manager}[who]
    client.force_login(reader.user)
    page = client.get(reverse("backoffice:inbox")).content.decode()
    for name, thread in matrix.items():
        shown = f'href="/backoffice/inbox/{thread.pk}/"' in page
        assert shown == (name in visible), name
        status = client.get(reverse("backoffice:inbox-thread", args=[thread.pk])).status_code
        assert status == (200 if name in visible else 404), name


def test_opening_a_thread_reads_it_and_a_reply_goes_out(
    client, textable, store, associate, django_capture_on_commit_callbacks
):
    services.message_receive_web(
        customer=textable, body="Is the blazer in 38?", location=store, associate=associate
    )
    thread = Thread.objects.get()
    assert thread.unread == 1
    client.force_login(associate.user)
    page = client.get(reverse("backoffice:inbox-thread", args=[thread.pk]))
    assert "Is the blazer in 38?" in page.content.decode()
    thread.refresh_from_db()
    assert thread.unread == 0
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("backoffice:inbox-reply", args=[thread.pk]),
            {"channel": "sms", "body": "Yes, I kept one"},
            **HX,
        )
    assert response.status_code == 200 and "Yes, I kept one" in response.content.decode()
    assert thread.messages.count() == 2


def test_the_inbox_takes_the_same_queries_for_1_or_30_threads(
    client, store, manager, django_assert_max_num_queries
):
    client.force_login(manager.user)
    _thread(f.CustomerFactory(), store)
    with django_assert_max_num_queries(12) as one:
        client.get(reverse("backoffice:inbox"))
    for _ in range(29):
        customer = f.CustomerFactory()
        for _n in range(3):
            _thread(customer, store)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(reverse("backoffice:inbox"))
    assert len(re.findall(r'href="/backoffice/inbox/\d+/"', page.content.decode())) == 30


def test_a_thread_takes_the_same_queries_for_2_or_40_messages(
    client, textable, store, manager, django_assert_max_num_queries
):
    client.force_login(manager.user)
    thread = _thread(textable, store)
    _thread(textable, store)
    url = reverse("backoffice:inbox-thread", args=[thread.pk])
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for _ in range(38):
        _thread(textable, store)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_inbox_is_for_associates_only(client, customer):
    assert client.get(reverse("backoffice:inbox")).status_code == 302
    user = f.UserFactory()
    client.force_login(user)
    assert client.get(reverse("backoffice:inbox")).status_code == 403


# --- the shared list -------------------------------------------------------------------


@pytest.fixture
def shared_list(customer, associate):
    shopping_list = f.ListFactory(customer=customer, name="Autumn", is_shared=True)
    product = f.ProductFactory(name="Blazer")
    f.ListItemFactory(
        list=shopping_list, product=product, added_by_associate=associate, added_by_name="Caleb"
    )
    return shopping_list


def test_the_shared_list_offers_a_message_to_the_associate(client, shared_list, associate):
    page = client.get(reverse("customers:list-shared", args=[shared_list.share_token]))
    assert "Message Caleb at Salem" in page.content.decode()
    url = reverse("messaging:list-message", args=[shared_list.share_token])
    form = client.get(url, {"associate": associate.pk})
    assert form.status_code == 200
    response = client.post(
        url, {"associate": associate.pk, "body": "Can you hold the blazer?", "contact": "Ana"}
    )
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.direction == Message.Direction.IN and message.channel == "web"
    assert message.thread.associate == associate and message.thread.location.name == "Salem"
    assert Interaction.objects.filter(summary_key="message.web_reply").exists()
    # It is in Caleb's inbox.
    client.force_login(associate.user)
    assert "Can you hold the blazer?" in client.get(reverse("backoffice:inbox")).content.decode()


def test_a_list_message_with_bad_input(client, shared_list, associate):
    url = reverse("messaging:list-message", args=[shared_list.share_token])
    assert client.post(url, {"associate": associate.pk, "body": ""}).status_code == 400
    assert client.post(url, {"associate": 999999, "body": "hi"}).status_code == 400
    assert client.post(url, {"associate": "x", "body": "hi"}).status_code == 400
    assert client.get(reverse("messaging:list-message", args=["nope"])).status_code == 404
    assert not Message.objects.exists()


def test_a_list_without_associate_items_has_no_message_link(client, customer):
    shopping_list = f.ListFactory(customer=customer, is_shared=True)
    f.ListItemFactory(list=shopping_list)
    page = client.get(reverse("customers:list-shared", args=[shopping_list.share_token]))
    assert "Message " not in page.content.decode()
    assert (
        client.get(reverse("messaging:list-message", args=[shopping_list.share_token])).status_code
        == 404
    )


def test_manager_role(manager):
    assert manager.role == Associate.Role.MANAGER
    assert ContactChannel.SMS == "sms"


def test_the_360_takes_the_same_queries_for_1_or_25_messages(
    client, textable, store, associate, django_assert_max_num_queries
):
    client.force_login(associate.user)
    url = reverse("backoffice:customer-detail", args=[textable.pk])
    services.send_message(
        channel="sms",
        purpose="one_to_one",
        body="Hi",
        customer=textable,
        location=store,
        associate=associate,
    )
    with django_assert_max_num_queries(60) as few:
        client.get(url)
    for n in range(24):
        services.send_message(
            channel="sms",
            purpose="one_to_one",
            body=f"Hi {n}",
            customer=textable,
            location=store,
            associate=associate,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
