"""A Payvost webhook receiver with Django, in one file: the SDK's view
reads the request's body raw and verifies it with the secret of
``settings.PAYVOST_WEBHOOK_SECRET`` (and exempts the view
from CSRF: Payvost's server holds no CSRF token, the signature is what
authenticates it); the view runs the router's handlers once per event under
the SDK's idempotency guard, answering as soon as the event is claimed.

    PAYVOST_WEBHOOK_SECRET=whsec_... PORT=8000 python app.py
"""

import os
import threading
import time
from wsgiref.simple_server import WSGIRequestHandler, make_server

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    SECRET_KEY="example-only",
    # The SDK's views read it from here when given no secret.
    PAYVOST_WEBHOOK_SECRET=os.environ.get("PAYVOST_WEBHOOK_SECRET"),
    MIDDLEWARE=["django.middleware.common.CommonMiddleware", "django.middleware.csrf.CsrfViewMiddleware"],
)
django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402

import payvost  # noqa: E402
import payvost.django  # noqa: E402

from payvost.idempotency import IdempotencyGuard, MemoryStore  # noqa: E402

processed: list = []
router = payvost.EventRouter()


@router.on_any
def process_event(event: payvost.AnyEvent) -> None:
    print(f"{event.type} {event.id}", flush=True)
    processed.append(event.id)


def report(error: Exception, event: payvost.AnyEvent) -> None:
    # Payvost has its 200: the guard keeps the event for guard.retry() or `payvost webhooks replay`.
    print(f"event {event.id} failed, kept for a retry: {error}", flush=True)


webhook = payvost.django.view(
    router=router,
    # One process: records in memory. Several: SqliteStore, RedisStore or PostgresStore.
    idempotency=IdempotencyGuard(MemoryStore()),
    # Respond fast (Payvost waits 30 s at most), then process under the claim.
    acknowledge_first=True,
    on_error=report,
)


def summarise_refusals() -> None:
    """Once a minute, while refusals go on, what they likely mean (a rotated secret, a probe)."""
    while True:
        time.sleep(60)
        for line in webhook.anomalies():
            print(f"payvost: {line}", flush=True)


threading.Thread(target=summarise_refusals, name="payvost-refusals", daemon=True).start()


def processed_view(request):
    return JsonResponse(processed, safe=False)


urlpatterns = [path("webhooks/payvost", webhook), path("processed", processed_view)]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):  # one line per event is printed above
        pass


if __name__ == "__main__":
    server = make_server("127.0.0.1", int(os.environ.get("PORT", "8000")), WSGIHandler(), handler_class=QuietHandler)
    print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()
