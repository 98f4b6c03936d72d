"""The shopper's lists on the storefront: their lists, one list (items with price and units
at my store, share, rename, send to a store), saving a product to a list, and the public
page of a list shared by link."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from catalog.models import Product, ProductImage, Variant, price_in_force
from catalog.surface import colour_name, size_name
from customers import selectors, services
from customers.errors import CustomerNotFound
from customers.models import (
    Customer,
    List,
    ListItem,
)
from customers.surface import account_customer, my_store
from customers.views.account import _store_label
from inventory.selectors import stock_salable_at
from messaging import selectors as messaging_selectors
from omni.errors import DomainError
from omni.http import domain_error_message, domain_error_on_form, is_local_path, safe_next
from stores.models import Location
from stores.selectors import locations_active


class ListCreateForm(forms.Form):
    name = forms.CharField(max_length=120, label=_("List name"))
    kind = forms.ChoiceField(choices=List.Kind.choices, initial=List.Kind.WISHLIST, label=_("Kind"))


class ListRenameForm(forms.Form):
    name = forms.CharField(max_length=120, label=_("New name"))


class SendToStoreForm(forms.Form):
    location = forms.ModelChoiceField(
        queryset=Location.objects.none(), label=_("Store"), empty_label=_("Choose a store")
    )
    visit_date = forms.DateField(
        required=False,
        label=_("Planned visit (optional)"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations_active(kind=Location.Kind.STORE).order_by(
            "name"
        )
        self.fields["location"].label_from_instance = _store_label


def _own_list(customer: Customer, pk: int) -> List:
    found = List.objects.filter(pk=pk, customer=customer).select_related("sent_to_location").first()
    if found is None:
        raise Http404("No such list among yours.")
    return found


@dataclass
class ItemView:
    item: ListItem
    image: ProductImage | None = None
    price: Decimal | None = None  # the size's price, or the lowest of the product's
    price_from: bool = False  # True when no size was chosen and sizes differ in price
    here: int | None = None  # salable at my store (None: no store chosen)
    sold: bool = True
    sizes: list[tuple[int, str]] = field(default_factory=list)  # to choose one, when none is

    @property
    def added_by_associate(self) -> bool:
        """An associate added it: their row, or only their name once they have left
        (the services leave the name blank for the shopper's own additions)."""
        item = self.item
        return bool(item.added_by_associate_id or item.added_by_name)

    @property
    def added_by(self) -> str:
        """The associate's name as it was when they added it (kept if they leave)."""
        associate = self.item.added_by_associate
        return self.item.added_by_name or (associate.display_name if associate else "")

    @property
    def added_at_store(self) -> str:
        associate = self.item.added_by_associate
        return associate.home_location.name if associate and associate.home_location else ""


def _items_prefetch() -> Prefetch:
    return Prefetch(
        "items",
        queryset=ListItem.objects.select_related(
            "product", "variant", "added_by_associate__home_location"
        ).order_by("-added_at", "-id"),
    )


def item_views(items: list[ListItem], *, store_id: int | None) -> list[ItemView]:
    """The items as the list pages show them: first image, price (the catalog's price in
    force), units at my store (``inventory.selectors.stock_salable_at``).
    Three queries (prices, images, stock), however many items."""
    product_ids = {item.product_id for item in items}
    if not product_ids:
        return []
    prices: dict[int, Decimal] = {}
    product_prices: dict[int, list[Decimal]] = {}
    options: dict[int, list[tuple[int, str, str]]] = {}
    product_of: dict[int, int] = {}
    for pk, product_id, active, amount, size, colour in (
        Variant.objects.filter(product_id__in=product_ids)
        .annotate(price_amount=price_in_force("amount"))
        .order_by("product_id", "position", "pk")
        .values_list("pk", "product_id", "is_active", "price_amount", "size", "colour")
    ):
        product_of[pk] = product_id
        if amount is not None and active:
            prices[pk] = amount
            product_prices.setdefault(product_id, []).append(amount)
            options.setdefault(product_id, []).append((pk, size, colour))
    sizes: dict[int, list[tuple[int, str]]] = {}
    for product_id, variants in options.items():
        # The colour is named only when the product comes in more than one.
        several = len({colour for _, _, colour in variants}) > 1
        sizes[product_id] = [
            (
                pk,
                " · ".join(
                    b for b in (size_name(size), colour_name(colour) if several else "") if b
                )
                or gettext("One size"),
            )
            for pk, size, colour in variants
        ]
    images: dict[int, ProductImage] = {}
    for image in ProductImage.objects.filter(product_id__in=product_ids).order_by(
        "product_id", "position", "pk"
    ):
        images.setdefault(image.product_id, image)
    here_variant: dict[int, int] = {}
    here_product: dict[int, int] = {}
    if store_id is not None and product_of:
        salable = stock_salable_at(location_id=store_id, variant_ids=set(product_of))
        for variant_id, units in salable.items():
            here_variant[variant_id] = units
            product_id = product_of[variant_id]
            here_product[product_id] = here_product.get(product_id, 0) + units
    views = []
    for item in items:
        if item.variant_id:
            price, price_from = prices.get(item.variant_id), False
            here = here_variant.get(item.variant_id, 0)
            sold = item.product.is_active and item.variant.is_active and price is not None
        else:
            amounts = product_prices.get(item.product_id, [])
            price = min(amounts) if amounts else None
            price_from = len(set(amounts)) > 1
            here = here_product.get(item.product_id, 0)
            sold = item.product.is_active and price is not None
        views.append(
            ItemView(
                item=item,
                image=images.get(item.product_id),
                price=price,
                price_from=price_from,
                here=here if store_id is not None else None,
                sold=sold,
                sizes=sizes.get(item.product_id, []) if not item.variant_id else [],
            )
        )
    return views


@login_required
@require_http_methods(["GET", "POST"])
def account_lists(request: HttpRequest) -> HttpResponse:
    """The shopper's lists, and a new one."""
    customer = account_customer(request)
    form = ListCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.list_create(
                customer=customer,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                channel="web",
            )
        except DomainError as exc:
            domain_error_on_form(form, exc)
        else:
            messages.success(request, gettext("“%(name)s” created.") % {"name": created.name})
            return redirect("customers:list-detail", pk=created.pk)
    lists = [
        *List.objects.filter(customer=customer)
        .select_related("sent_to_location")
        .annotate(item_count=Count("items"))
        .order_by("-updated_at", "-pk")
    ]
    return render(
        request,
        "storefront/lists/lists.html",
        {"customer": customer, "lists": lists, "form": form, "section": "lists"},
        status=400 if form.errors else 200,
    )


def _list_detail_context(request: HttpRequest, customer: Customer, pk: int, **forms_given) -> dict:
    shopping_list = (
        List.objects.filter(pk=pk, customer=customer)
        .select_related("sent_to_location", "customer")
        .prefetch_related(_items_prefetch())
        .first()
    )
    if shopping_list is None:
        raise Http404("No such list among yours.")
    store = my_store(request)
    return {
        "customer": customer,
        "list": shopping_list,
        "items": item_views([*shopping_list.items.all()], store_id=store.id if store else None),
        "store": store,
        "share_url": request.build_absolute_uri(
            reverse("customers:list-shared", args=[shopping_list.share_token])
        )
        if shopping_list.is_shared
        else "",
        "rename_form": forms_given.get("rename_form")
        or ListRenameForm(initial={"name": shopping_list.name}),
        "send_form": forms_given.get("send_form")
        or SendToStoreForm(
            initial={"location": shopping_list.sent_to_location_id or (store.id if store else None)}
        ),
        "today": timezone.localdate(),
        "section": "lists",
    }


@login_required
def account_list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A list: items with image, price and units at my store; who added them (the
    shopper, or an associate at a store with a note); share, rename, send to a store."""
    customer = account_customer(request)
    return render(
        request, "storefront/lists/detail.html", _list_detail_context(request, customer, pk)
    )


@login_required
@require_POST
def account_list_rename(request: HttpRequest, pk: int) -> HttpResponse:
    customer = account_customer(request)
    shopping_list = _own_list(customer, pk)
    form = ListRenameForm(request.POST)
    if form.is_valid():
        try:
            services.list_rename(
                shopping_list=shopping_list, name=form.cleaned_data["name"], channel="web"
            )
        except DomainError as exc:
            domain_error_on_form(form, exc)
        else:
            messages.success(request, gettext("List renamed."))
            return redirect("customers:list-detail", pk=pk)
    context = _list_detail_context(request, customer, pk, rename_form=form)
    return render(request, "storefront/lists/detail.html", context, status=400)


@login_required
@require_POST
def account_list_delete(request: HttpRequest, pk: int) -> HttpResponse:
    customer = account_customer(request)
    shopping_list = _own_list(customer, pk)
    name = shopping_list.name
    try:
        services.list_delete(shopping_list=shopping_list, channel="web")
    except DomainError as exc:
        domain_error_message(request, exc)
        return redirect("customers:list-detail", pk=pk)
    messages.success(request, gettext("“%(name)s” deleted.") % {"name": name})
    return redirect("customers:lists")


@login_required
@require_POST
def account_list_item_remove(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    """Take an item off the list. HTMX: the item's row is replaced by nothing."""
    customer = account_customer(request)
    shopping_list = _own_list(customer, pk)
    try:
        services.list_remove_item(shopping_list=shopping_list, item_id=item_id, channel="web")
    except CustomerNotFound:
        raise Http404("That item is not on this list.") from None
    if request.htmx:
        return HttpResponse("")
    messages.success(request, gettext("Removed from the list."))
    return redirect("customers:list-detail", pk=pk)


@login_required
@require_POST
def account_list_share(request: HttpRequest, pk: int) -> HttpResponse:
    """Share by link (``share=on``) or stop sharing (the old link stops working). HTMX:
    the share panel is replaced."""
    customer = account_customer(request)
    shopping_list = _own_list(customer, pk)
    if request.POST.get("share") == "on":
        services.list_share(shopping_list=shopping_list, channel="web")
        note = gettext("Anyone with the link can now see this list.")
    else:
        services.list_unshare(shopping_list=shopping_list, channel="web")
        note = gettext("The list is private again; the old link no longer works.")
    if request.htmx:
        context = _list_detail_context(request, customer, pk)
        context["share_note"] = note
        return render(request, "storefront/lists/_list_share.html", context)
    messages.success(request, note)
    return redirect("customers:list-detail", pk=pk)


@login_required
@require_POST
def account_list_send(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Send to my store": the list goes to the chosen store's queue, with the planned
    visit date; the page then shows the store's progress (new → prepared → visited)."""
    customer = account_customer(request)
    shopping_list = _own_list(customer, pk)
    form = SendToStoreForm(request.POST)
    if form.is_valid():
        try:
            services.list_send_to_store(
                shopping_list=shopping_list,
                location=form.cleaned_data["location"],
                visit_date=form.cleaned_data["visit_date"],
                channel="web",
            )
        except DomainError as exc:
            domain_error_on_form(form, exc)
        else:
            store = form.cleaned_data["location"].name
            messages.success(
                request,
                gettext("Sent to %(store)s. An associate will prepare it for you.")
                % {"store": store},
            )
            return redirect("customers:list-detail", pk=pk)
    context = _list_detail_context(request, customer, pk, send_form=form)
    return render(request, "storefront/lists/detail.html", context, status=400)


def _list_add_refused(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    if request.htmx:
        # HTMX does not swap error responses: the fragment says no with a 200.
        return render(
            request, "storefront/lists/_list_add_result.html", {"error": message}, status=200
        )
    return render(
        request, "storefront/lists/list_add_error.html", {"error": message}, status=status
    )


@require_POST
def list_add(request: HttpRequest) -> HttpResponse:
    """Save a product (a size of it, with ``variant``) to a list: ``list`` or the
    shopper's first wishlist (made if they have none). Guests are sent to log in first.
    HTMX gets a confirmation fragment; otherwise a message and a redirect to ``next``."""
    if not request.user.is_authenticated:
        back = safe_next(request, request.META.get("HTTP_REFERER") or "/")
        if not is_local_path(request, back):
            back = "/"
        login_url = f"{reverse('account_login')}?{urlencode({'next': back})}"
        if request.htmx:
            return HttpResponseClientRedirect(login_url)
        return redirect(login_url)
    customer = account_customer(request)
    try:
        product_id = int(request.POST.get("product", ""))
    except ValueError:
        return _list_add_refused(request, gettext("Choose a product to save."))
    product = Product.objects.filter(pk=product_id, is_active=True).first()
    if product is None:
        return _list_add_refused(request, gettext("That product is not available."))
    variant = None
    if request.POST.get("variant"):
        try:
            variant_id = int(request.POST["variant"])
        except ValueError:
            return _list_add_refused(request, gettext("Choose one of this product's sizes."))
        variant = Variant.objects.filter(pk=variant_id, product=product).first()
        if variant is None:
            return _list_add_refused(
                request, gettext("That size is not one of this product's sizes.")
            )
    if request.POST.get("list"):
        try:
            shopping_list = _own_list(customer, int(request.POST["list"]))
        except ValueError:
            raise Http404("No such list among yours.") from None
    else:
        shopping_list = (
            List.objects.filter(customer=customer, kind=List.Kind.WISHLIST)
            .order_by("created_at", "pk")
            .first()
        ) or services.list_create(customer=customer, name=gettext("My wishlist"), channel="web")
    try:
        item = services.list_add_item(
            shopping_list=shopping_list, product=product, variant=variant, channel="web"
        )
    except DomainError as exc:
        return _list_add_refused(request, exc.message)
    if variant is not None and variant.size:
        message = gettext("Saved %(product)s (%(size)s) to “%(list)s”.") % {
            "product": product.name,
            "size": variant.size,
            "list": shopping_list.name,
        }
    else:
        message = gettext("Saved %(product)s to “%(list)s”.") % {
            "product": product.name,
            "list": shopping_list.name,
        }
    if request.htmx:
        return render(
            request,
            "storefront/lists/_list_add_result.html",
            {"message": message, "list": shopping_list, "item": item},
        )
    messages.success(request, message)
    return redirect(safe_next(request, reverse("customers:list-detail", args=[shopping_list.pk])))


def list_shared_view(request: HttpRequest, token: str) -> HttpResponse:
    """The public, read-only page of a list shared by link. Unknown or no-longer-shared
    links are not found. Shows the items, not who added them or their notes."""
    try:
        shopping_list = selectors.list_shared(token=token)
    except CustomerNotFound:
        raise Http404("This list is not shared.") from None
    return render(
        request,
        "storefront/lists/shared.html",
        {
            "list": shopping_list,
            "owner_first_name": shopping_list.customer.first_name,
            "items": item_views([*shopping_list.items.all()], store_id=None),
            # "Message Caleb at Salem": whoever in a store added items.
            "list_contacts": messaging_selectors.list_contacts(shopping_list=shopping_list),
        },
    )
