import pytest


@pytest.mark.django_db
def test_home_is_the_storefront_with_links_to_every_surface(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="storefront"' in body
    assert "/admin/" in body and "/api/docs/" in body and "/backoffice/" in body
    assert "/accounts/login/" in body


@pytest.mark.django_db
def test_healthz_reports_the_database(client):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
def test_admin_login_page_renders(client):
    assert client.get("/admin/login/").status_code == 200
