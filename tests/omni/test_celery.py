"""The guard for kombu's Redis transport: after a broker loss, a channel whose connection
is already released raises the broker's connection error (which kombu and Celery handle:
log, reconnect) instead of the AttributeError that stopped the worker; restoring
unacknowledged messages then leaves them in the broker instead of raising."""

from types import SimpleNamespace

import pytest
import redis
from kombu.transport import redis as kombu_redis

import project.celery  # noqa: F401  (installs the guard, as every worker does)


@pytest.mark.parametrize(
    "transport", [None, SimpleNamespace(client=None)], ids=["no connection", "no client"]
)
def test_a_released_channel_raises_the_brokers_connection_error(transport):
    channel = kombu_redis.Channel.__new__(kombu_redis.Channel)
    channel.connection = transport
    with pytest.raises(redis.exceptions.ConnectionError, match="already closed"):
        channel._connparams()
    # Without the guard: the AttributeError that escaped Celery's connection-error handling.
    with pytest.raises(AttributeError):
        kombu_redis.Channel._connparams.__wrapped__(channel)


def test_the_guarded_error_is_one_kombu_treats_as_a_lost_connection():
    errors, _channel_errors = kombu_redis.get_redis_error_classes()
    assert issubclass(redis.exceptions.ConnectionError, errors)


def test_restoring_unacked_messages_on_a_closed_connection_leaves_them_to_the_broker(caplog):
    def gone(client=None):
        raise AttributeError("'NoneType' object has no attribute 'hostname'")

    qos = kombu_redis.QoS.__new__(kombu_redis.QoS)
    qos.channel = SimpleNamespace(conn_or_acquire=gone)
    qos._delivered = {"tag-1": object(), "tag-2": object()}

    assert qos.restore_unacked() is None
    assert qos._delivered == {}
    assert "2 unacknowledged message(s) left in the broker" in caplog.text
    with pytest.raises(AttributeError):
        kombu_redis.QoS.restore_unacked.__wrapped__(qos)
