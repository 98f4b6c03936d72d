"""Text message providers: a small interface, the development backends and Twilio.

Configured by one URL in the environment, ``SMS_URL``:

======================================================== ===================================
``console:`` (the default)                               each text is logged (``omni``'s
                                                         log, level INFO); nothing leaves
``file://var/sms`` (any path, relative to the project)   each text appended as one JSON
                                                         line to ``<path>/sms.jsonl``;
                                                         ``manage.py sms_show`` reads it
``twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com``       Twilio's REST Messages API
``?from=+6621234567`` (or ``&service=MG…``)              (form POST, basic auth)
``twilio+http://SID:TOKEN@127.0.0.1:8025?from=…``        the same over plain HTTP (the
                                                         tests' local fake server)
======================================================== ===================================

Every backend is a ``SmsProvider``: ``send`` hands one text to the provider and answers
with its id (it never touches the database: ``messaging.services`` records the outcome);
``status_parse`` and ``inbound_parse`` read the provider's callbacks after
``signature_valid`` accepted them. A provider that cannot be reached raises
``ProviderUnavailable`` (the outbox retries the message later); one that refuses the
message for good raises ``ProviderRejected`` (the message is marked failed).

Chat apps (LINE, Zalo, WhatsApp, Viber) plug in the same way: a class with these four
methods registered under its scheme with ``sms_provider_register`` (docs/flows.md,
"Messages").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone

from messaging.errors import ProviderRejected, ProviderUnavailable

logger = logging.getLogger(__name__)

# --- segments ---------------------------------------------------------------------------

# GSM 03.38: the basic alphabet (one septet each) and the extension table (two).
# Its currency signs (dollar, pound, currency sign, yen; the euro in the extension) are written as
# code points: they are characters of the alphabet here, not prices.
_GSM_BASIC = set(
    "@èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
) | {chr(0x24), chr(0xA3), chr(0xA4), chr(0xA5)}
_GSM_EXTENDED = set("^{}\\[~]|\f") | {chr(0x20AC)}


def sms_segments(body: str) -> int:
    """How many SMS segments ``body`` takes: 160 GSM-7 characters in one, 153 per part
    when concatenated; 70 / 67 UTF-16 code units once any character is outside GSM-7
    (Thai, Persian, Vietnamese tones, emoji)."""
    if not body:
        return 0
    if all(ch in _GSM_BASIC or ch in _GSM_EXTENDED for ch in body):
        units = sum(2 if ch in _GSM_EXTENDED else 1 for ch in body)
        single, part = 160, 153
    else:
        units = len(body.encode("utf-16-le")) // 2
        single, part = 70, 67
    if units <= single:
        return 1
    return -(-units // part)


# --- the interface ------------------------------------------------------------------------


@dataclass(frozen=True)
class SmsSent:
    """What the provider answered to a send: its id for the message, and its status."""

    provider_id: str
    status: str = "sent"  # our Message.Status: sent, or delivered when the provider knows


@dataclass(frozen=True)
class SmsStatus:
    """A delivery receipt: the provider's id of the message and our status for it."""

    provider_id: str
    status: str  # sent, delivered or failed
    error: str = ""


@dataclass(frozen=True)
class SmsInbound:
    """A text a person sent us."""

    provider_id: str
    from_number: str
    to_number: str
    body: str


class SmsProvider(Protocol):
    name: str

    def send(self, *, to: str, body: str, status_callback: str) -> SmsSent:
        """Hand one text to the provider. Raises ProviderUnavailable / ProviderRejected."""

    def signature_valid(self, *, url: str, params: Mapping[str, str], signature: str) -> bool:
        """Whether a callback to ``url`` with these form ``params`` came from the
        provider."""

    def status_parse(self, params: Mapping[str, str]) -> SmsStatus | None:
        """The delivery receipt in a status callback (None when it carries none)."""

    def inbound_parse(self, params: Mapping[str, str]) -> SmsInbound | None:
        """The text in an inbound callback (None when it is not one)."""


# --- development backends -----------------------------------------------------------------


def _dev_signature(url: str, params: Mapping[str, str]) -> str:
    """The development backends sign callbacks like Twilio, with SECRET_KEY, so the
    webhook can be tried with curl (``manage.py sms_show --sign``)."""
    return _twilio_signature(settings.SECRET_KEY, url, params)


class ConsoleProvider:
    """Writes each text to the log. Callbacks use Twilio's field names."""

    name = "console"

    def send(self, *, to: str, body: str, status_callback: str) -> SmsSent:
        provider_id = "DEV" + secrets.token_hex(8)
        logger.info("SMS to %s (%s): %s", to, provider_id, body)
        return SmsSent(provider_id=provider_id)

    def signature_valid(self, *, url: str, params: Mapping[str, str], signature: str) -> bool:
        return hmac.compare_digest(_dev_signature(url, params), signature or "")

    def status_parse(self, params: Mapping[str, str]) -> SmsStatus | None:
        return TwilioProvider.status_parse(self, params)  # type: ignore[arg-type]

    def inbound_parse(self, params: Mapping[str, str]) -> SmsInbound | None:
        return TwilioProvider.inbound_parse(self, params)  # type: ignore[arg-type]


class FileProvider(ConsoleProvider):
    """Appends each text as a JSON line to ``<directory>/sms.jsonl`` (``sms_show``)."""

    name = "file"

    def __init__(self, directory: str) -> None:
        path = Path(directory)
        self.directory = path if path.is_absolute() else Path(settings.BASE_DIR) / path

    def send(self, *, to: str, body: str, status_callback: str) -> SmsSent:
        provider_id = "DEV" + secrets.token_hex(8)
        self.directory.mkdir(parents=True, exist_ok=True)
        line = {"id": provider_id, "to": to, "body": body, "at": timezone.now().isoformat()}
        with (self.directory / "sms.jsonl").open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        return SmsSent(provider_id=provider_id)


# --- Twilio -------------------------------------------------------------------------------


def _twilio_signature(token: str, url: str, params: Mapping[str, str]) -> str:
    """X-Twilio-Signature: base64(HMAC-SHA1(auth token, the full URL followed by every
    POST parameter's name and value, sorted by name))."""
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(token.encode(), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


# Twilio's MessageStatus → ours.
_TWILIO_STATUS = {
    "accepted": "sent",
    "queued": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "failed",
    "failed": "failed",
}


class TwilioProvider:
    """Twilio's Programmable Messaging REST API (``POST /2010-04-01/Accounts/{sid}/
    Messages.json``, form-encoded, HTTP basic auth with the account SID and auth token)."""

    name = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        base_url: str = "https://api.twilio.com",
        sender: str = "",
        messaging_service: str = "",
        timeout: float = 10.0,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.base_url = base_url.rstrip("/")
        self.sender = sender
        self.messaging_service = messaging_service
        self.timeout = timeout

    def send(self, *, to: str, body: str, status_callback: str) -> SmsSent:
        fields = {"To": to, "Body": body}
        if self.messaging_service:
            fields["MessagingServiceSid"] = self.messaging_service
        else:
            fields["From"] = self.sender
        if status_callback:
            fields["StatusCallback"] = status_callback
        url = f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(
            url,
            data=urllib.parse.urlencode(fields).encode(),
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            detail = error.read()[:500].decode("utf-8", "replace")
            # 429 (rate limited) and 5xx are the provider's trouble: try again later.
            if error.code == 429 or error.code >= 500:
                raise ProviderUnavailable(code="provider_unavailable", status=error.code) from None
            raise ProviderRejected(
                code="provider_rejected", status=error.code, detail=detail
            ) from None
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
            raise ProviderUnavailable(code="provider_unavailable", reason=repr(error)) from None
        provider_id = str(answer.get("sid") or "")
        if not provider_id:
            raise ProviderUnavailable(code="provider_unavailable", reason="no sid in the answer")
        status = _TWILIO_STATUS.get(str(answer.get("status") or ""), "sent")
        if status == "failed":
            raise ProviderRejected(code="provider_rejected", detail=str(answer.get("error_code")))
        return SmsSent(provider_id=provider_id, status=status)

    def signature_valid(self, *, url: str, params: Mapping[str, str], signature: str) -> bool:
        expected = _twilio_signature(self.auth_token, url, params)
        return hmac.compare_digest(expected, signature or "")

    def status_parse(self, params: Mapping[str, str]) -> SmsStatus | None:
        provider_id = params.get("MessageSid") or params.get("SmsSid") or ""
        status = _TWILIO_STATUS.get(params.get("MessageStatus") or params.get("SmsStatus") or "")
        if not provider_id or not status:
            return None
        return SmsStatus(provider_id=provider_id, status=status, error=params.get("ErrorCode", ""))

    def inbound_parse(self, params: Mapping[str, str]) -> SmsInbound | None:
        provider_id = params.get("MessageSid") or params.get("SmsSid") or ""
        from_number = params.get("From") or ""
        if not provider_id or not from_number:
            return None
        return SmsInbound(
            provider_id=provider_id,
            from_number=from_number,
            to_number=params.get("To") or "",
            body=params.get("Body") or "",
        )


# --- the registry -------------------------------------------------------------------------

Factory = Callable[[urllib.parse.SplitResult], SmsProvider]


def _twilio_from_url(url: urllib.parse.SplitResult) -> SmsProvider:
    # "?from=+6621234567": a + in the number is a plus, not a space.
    query = dict(urllib.parse.parse_qsl(url.query.replace("+", "%2B")))
    scheme = "http" if url.scheme.endswith("+http") else "https"
    host = url.hostname or "api.twilio.com"
    netloc = f"{host}:{url.port}" if url.port else host
    return TwilioProvider(
        account_sid=urllib.parse.unquote(url.username or ""),
        auth_token=urllib.parse.unquote(url.password or ""),
        base_url=f"{scheme}://{netloc}",
        sender=query.get("from", ""),
        messaging_service=query.get("service", ""),
    )


_FACTORIES: dict[str, Factory] = {
    "console": lambda url: ConsoleProvider(),
    "file": lambda url: FileProvider((url.netloc + url.path) or "var/sms"),
    "twilio": _twilio_from_url,
    "twilio+http": _twilio_from_url,
}


def sms_provider_register(scheme: str, factory: Factory) -> None:
    """Make a provider available under an ``SMS_URL`` scheme (call from an
    AppConfig.ready()). ``factory`` gets the parsed URL."""
    _FACTORIES[scheme] = factory


def sms_provider() -> SmsProvider:
    """The provider ``SMS_URL`` names. An unknown scheme is a configuration error, raised
    where it is used (the outbox keeps the message and retries)."""
    url = urllib.parse.urlsplit(getattr(settings, "SMS_URL", "") or "console:")
    try:
        factory = _FACTORIES[url.scheme]
    except KeyError:
        raise ProviderUnavailable(code="provider_unknown", scheme=url.scheme) from None
    return factory(url)
