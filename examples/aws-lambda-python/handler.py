"""A Payvost webhook receiver on AWS Lambda (Python), behind any of its HTTP
front ends: an API Gateway REST or HTTP API, a function URL or a load balancer."""

import os

import payvost
import payvost.aws_lambda

fulfilled = []

router = payvost.EventRouter()


@router.on("payment.succeeded")
def fulfil(event: payvost.PaymentEvent) -> None:
    fulfilled.append(event.data.object.id)  # fulfil the order here


# Verifies each delivery (decoding the body when the front end sent it
# base64), runs the handlers, and answers in the front end's shape. For
# processing each event once across instances, add
# idempotency=IdempotencyGuard(RedisStore(...)) or a PostgresStore: an
# instance's memory and /tmp are its own.
handler = payvost.aws_lambda.handler(os.environ.get("PAYVOST_WEBHOOK_SECRET"), router)
