from django.conf import settings


def numbers_link(request) -> dict:
    """Whether associates who are not managers see "Numbers" in the back-office menu
    (``OMNI_NUMBERS_FOR_ASSOCIATES``). No query."""
    return {"numbers_for_associates": settings.OMNI_NUMBERS_FOR_ASSOCIATES == "store"}
