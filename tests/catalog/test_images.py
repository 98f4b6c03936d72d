"""Product images: uploads are checked (JPEG, PNG or WebP, sensible size) in the admin,
thumbnails are made once in the widths the pages use, the storefront serves them as a
``srcset`` (lazy below the fold), and the same works on S3-compatible storage (moto's
server on a loopback port, in-process)."""

from __future__ import annotations

import io
import re
import socket

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from catalog import services
from catalog.images import thumbnail_name
from catalog.models import ProductImage
from tests import factories as f

pytestmark = pytest.mark.django_db


def picture(width=900, height=1125, fmt="PNG", name=None) -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#1f3a5f").save(buffer, fmt)
    ext = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}[fmt]
    return SimpleUploadedFile(name or f"shot.{ext}", buffer.getvalue(), f"image/{ext}")


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path


def _add_image(client, product, upload, **extra):
    return client.post(
        reverse("admin:catalog_productimage_add"),
        {"product": product.pk, "image": upload, "alt_text": "Front", "position": "0"} | extra,
    )


def test_an_image_uploaded_in_the_admin_gets_its_thumbnails(admin_client, media):
    product = f.ProductFactory()
    response = _add_image(admin_client, product, picture())
    assert response.status_code == 302, response.context["adminform"].form.errors
    image = ProductImage.objects.get(product=product)
    assert (image.width, image.height) == (900, 1125)
    for width in (80, 160, 320, 640):
        thumb = thumbnail_name(image.image.name, width)
        assert default_storage.exists(thumb), thumb
    assert not default_storage.exists(thumbnail_name(image.image.name, 960))


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            "image",
        ),
        (SimpleUploadedFile("notes.png", b"not a picture at all"), "image"),
        (picture(fmt="GIF"), "GIF images are not accepted"),
        (picture(120, 150), "each side must be 200"),
    ],
    ids=["svg", "not-an-image", "gif", "too-small"],
)
def test_an_upload_that_is_not_a_product_photo_is_refused(admin_client, media, upload, message):
    product = f.ProductFactory()
    response = _add_image(admin_client, product, upload)
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.errors["image"])
    assert message in errors
    assert not ProductImage.objects.exists()


def test_a_too_large_file_is_refused_before_it_is_read(media, monkeypatch):
    from catalog import images

    monkeypatch.setattr(images, "MAX_UPLOAD_BYTES", 1000)
    with pytest.raises(services.InvalidImage, match="the most is"):
        services.product_image_create(product=f.ProductFactory(), upload=picture())


def test_the_product_page_serves_thumbnails_as_a_srcset(client, media):
    product = f.ProductFactory()
    f.PriceFactory(variant=f.VariantFactory(product=product))
    first = services.product_image_create(product=product, upload=picture(), alt_text="Front")
    services.product_image_create(product=product, upload=picture(), alt_text="Back", position=1)

    page = client.get(reverse("catalog:product", args=[product.slug])).content.decode()
    tags = re.findall(r"<img [^>]*>", page)
    front = next(t for t in tags if 'alt="Front"' in t)
    back = next(t for t in tags if 'alt="Back"' in t)
    thumb_320 = default_storage.url(thumbnail_name(first.image.name, 320))
    assert thumb_320 + " 320w" in front and "900w" in front and 'sizes="' in front
    assert 'loading="lazy"' not in front and 'fetchpriority="high"' in front
    assert 'loading="lazy"' in back


def test_a_listing_card_uses_a_thumbnail_and_stays_within_its_query_budget(
    client, media, django_assert_max_num_queries
):
    category = f.CategoryFactory()
    for _ in range(5):
        product = f.ProductFactory(category=category)
        f.PriceFactory(variant=f.VariantFactory(product=product))
        services.product_image_create(product=product, upload=picture())
    with django_assert_max_num_queries(12):
        page = client.get(reverse("catalog:category", args=[category.slug])).content.decode()
    cards = re.findall(r'<li class="product-card">.*?</li>', page, re.S)
    assert len(cards) == 5
    assert all("-320w.webp 320w" in card for card in cards)
    assert sum('loading="lazy"' in card for card in cards) == 3  # the first two are eager


def test_a_replaced_image_drops_its_old_file_and_thumbnails(
    media, django_capture_on_commit_callbacks
):
    image = services.product_image_create(product=f.ProductFactory(), upload=picture())
    old = image.image.name
    with django_capture_on_commit_callbacks(execute=True):
        services.product_image_update(image=image, upload=picture(700, 875), alt_text="New")
    assert image.image.name != old
    assert not default_storage.exists(old)
    assert not default_storage.exists(thumbnail_name(old, 320))
    assert default_storage.exists(thumbnail_name(image.image.name, 640))
    assert (image.width, image.alt_text) == (700, "New")


# --- S3-compatible storage (moto's server, in-process) -------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def s3_bucket():
    import boto3
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket="omni-media")
    storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "omni-media",
            "endpoint_url": endpoint,
            "region_name": "us-east-1",
            "access_key": "testing",
            "secret_key": "testing",
            "querystring_auth": False,
            "file_overwrite": False,
            "default_acl": None,
        },
    }
    try:
        yield client, endpoint, storage
    finally:
        server.stop()


def test_images_and_thumbnails_live_in_the_bucket_when_one_is_configured(client, s3_bucket):
    from django.conf import settings

    s3, endpoint, storage = s3_bucket
    with override_settings(STORAGES={**settings.STORAGES, "default": storage}):
        product = f.ProductFactory()
        f.PriceFactory(variant=f.VariantFactory(product=product))
        image = services.product_image_create(product=product, upload=picture(), alt_text="Front")
        page = client.get(reverse("catalog:product", args=[product.slug])).content.decode()

    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="omni-media")["Contents"]}
    assert image.image.name in keys
    assert {thumbnail_name(image.image.name, w) for w in (80, 160, 320, 640)} <= keys
    thumb = s3.get_object(Bucket="omni-media", Key=thumbnail_name(image.image.name, 320))
    assert thumb["Body"].read()[8:12] == b"WEBP"
    assert f"{endpoint}/omni-media/{thumbnail_name(image.image.name, 320)} 320w" in page


def test_the_bucket_settings_come_from_the_environment():
    from tests.omni.test_settings import run_manage

    probe = (
        "from django.conf import settings as s;"
        "o=s.STORAGES['default'].get('OPTIONS', {});"
        "print(s.STORAGES['default']['BACKEND'].rsplit('.',1)[1], o.get('bucket_name'),"
        " o.get('endpoint_url'), s.MEDIA_URL)"
    )
    local = run_manage("shell", "--verbosity", "0", "-c", probe)
    assert local.stdout.strip() == "FileSystemStorage None None /media/", local.stderr
    bucket = run_manage(
        "shell",
        "--verbosity",
        "0",
        "-c",
        probe,
        MEDIA_BUCKET="shop-media",
        MEDIA_ENDPOINT_URL="https://s3.example.net",
        MEDIA_URL="https://cdn.example.net/",
    )
    assert bucket.stdout.strip() == (
        "S3Storage shop-media https://s3.example.net https://cdn.example.net/"
    ), bucket.stderr


def test_images_saved_before_thumbnails_get_them_from_the_command(media):
    from django.core.files.base import ContentFile
    from django.core.management import call_command

    name = default_storage.save("products/old.png", ContentFile(picture().read()))
    old = f.ProductImageFactory(image=name)
    legacy_svg = f.ProductImageFactory(
        image=default_storage.save("products/old.svg", ContentFile(b"<svg/>"))
    )
    out = io.StringIO()
    call_command("product_thumbnails", "--no-progress", stdout=out)
    assert "made for 1 images; 1 skipped" in out.getvalue()
    old.refresh_from_db()
    legacy_svg.refresh_from_db()
    assert (old.width, old.height) == (900, 1125)
    assert default_storage.exists(thumbnail_name(name, 320))
    assert legacy_svg.width is None
