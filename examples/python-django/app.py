"""A Payvost webhook receiver with Django, in one file: the SDK's view
decorator reads ``request.body`` raw and verifies it (and exempts the view
from CSRF: Payvost's server holds no CSRF token, the signature is what
authenticates it); the view processes each event once, answering first.

    PAYVOST_WEBHOOK_SECRET=whsec_... PORT=8000 python app.py
"""

import os
import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    SECRET_KEY="example-only",
    MIDDLEWARE=["django.middleware.common.CommonMiddleware", "django.middleware.csrf.CsrfViewMiddleware"],
)
django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402

import payvost  # noqa: E402
import payvost.django  # noqa: E402

# In production this is a table with a unique key on the event id.
seen: set = set()
processed: list = []


@payvost.django.webhook(secret=os.environ.get("PAYVOST_WEBHOOK_SECRET"))
def webhook(request, event: payvost.AnyEvent):
    # Idempotent: a retried delivery of an event already taken is acknowledged, not redone.
    if event.id in seen:
        return JsonResponse({"received": True, "duplicate": True})
    seen.add(event.id)
    # Respond fast (Payvost waits 30 s at most), then process.
    threading.Thread(target=process_event, args=(event,)).start()
    return JsonResponse({"received": True})


def process_event(event: payvost.AnyEvent) -> None:
    print(f"{event.type} {event.id}", flush=True)
    processed.append(event.id)


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
