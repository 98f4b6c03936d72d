"""Back-office access: who gets in, for which store they act, and the location switcher.

The matrix: anonymous (login), a shopper and a merchandiser without an Associate record
(403), an inactive associate (403), an associate and a manager (in, at their store)."""

import pytest
from django.urls import reverse

from stores.surface import SESSION_LOCATION_KEY
from tests import factories as f

pytestmark = pytest.mark.django_db

# Every back-office screen this area owns; each must apply the same door.
SCREENS = [
    "backoffice:customer-search",
    "backoffice:lists-queue",
    "backoffice:tasks",
    "backoffice:stock-lookup",
]


@pytest.fixture
def store_a():
    return f.LocationFactory(name="Springfield", code="SPR")


@pytest.fixture
def store_b():
    return f.LocationFactory(name="Peoria", code="PEO")


@pytest.fixture
def associate(store_a):
    return f.AssociateFactory(home_location=store_a, display_name="Luis")


def _client_for(client, user):
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("screen", SCREENS)
def test_anonymous_users_are_sent_to_the_login_page(client, screen):
    response = client.get(reverse(screen))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("who", ["shopper", "merchandiser", "inactive associate"])
def test_people_without_an_active_associate_record_are_refused(client, store_a, screen, who):
    if who == "shopper":
        user = f.UserFactory()
        f.CustomerFactory(user=user)
    elif who == "merchandiser":
        user = f.UserFactory(is_staff=True)
    else:
        user = f.AssociateFactory(home_location=store_a, is_active=False).user
    response = _client_for(client, user).get(reverse(screen))
    assert response.status_code == 403


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("role", ["associate", "manager"])
def test_associates_and_managers_get_in_at_their_home_store(client, store_a, screen, role):
    member = f.AssociateFactory(home_location=store_a, role=role)
    response = _client_for(client, member.user).get(reverse(screen))
    assert response.status_code == 200
    assert response.wsgi_request.location == store_a
    assert "Springfield" in response.content.decode()


def test_switching_to_an_assigned_store_changes_where_the_associate_works(
    client, associate, store_b
):
    associate.locations.add(store_b)
    client.force_login(associate.user)
    page = client.get(reverse("backoffice:tasks")).content.decode()
    assert 'name="location"' in page and "Peoria" in page  # the switcher is offered
    response = client.post(
        reverse("backoffice:location-switch"),
        {"location": store_b.pk, "next": reverse("backoffice:tasks")},
    )
    assert response.status_code == 302 and response["Location"] == reverse("backoffice:tasks")
    assert client.session[SESSION_LOCATION_KEY] == store_b.pk
    assert client.get(reverse("backoffice:tasks")).wsgi_request.location == store_b


@pytest.mark.parametrize("bad", ["not-a-number", "", "999999"])
def test_switching_to_a_store_the_associate_is_not_assigned_to_is_forbidden(
    client, associate, store_a, store_b, bad
):
    client.force_login(associate.user)
    for location in (str(store_b.pk), bad):
        response = client.post(reverse("backoffice:location-switch"), {"location": location})
        assert response.status_code == 403
    assert client.get(reverse("backoffice:tasks")).wsgi_request.location == store_a


def test_switching_never_redirects_off_the_site(client, associate, store_b):
    associate.locations.add(store_b)
    client.force_login(associate.user)
    response = client.post(
        reverse("backoffice:location-switch"),
        {"location": store_b.pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("backoffice:today")


def test_losing_access_to_the_chosen_store_falls_back_to_the_home_store(
    client, associate, store_a, store_b
):
    associate.locations.add(store_b)
    client.force_login(associate.user)
    client.post(reverse("backoffice:location-switch"), {"location": store_b.pk})
    associate.locations.remove(store_b)
    assert client.get(reverse("backoffice:tasks")).wsgi_request.location == store_a


def test_manager_only_screens_refuse_associates(rf, associate, store_a):
    from django.core.exceptions import PermissionDenied
    from django.http import HttpResponse

    from stores.surface import backoffice_view

    @backoffice_view(manager_only=True)
    def override(request):
        return HttpResponse("ok")

    request = rf.get("/backoffice/x/")
    request.user = associate.user
    request.session = {}
    with pytest.raises(PermissionDenied):
        override(request)
    manager = f.AssociateFactory(home_location=store_a, role="manager")
    request.user = manager.user
    assert override(request).status_code == 200


def test_an_associate_at_a_closed_store_only_is_refused(client):
    closed = f.LocationFactory(is_active=False)
    member = f.AssociateFactory(home_location=closed)
    client.force_login(member.user)
    assert client.get(reverse("backoffice:tasks")).status_code == 403
