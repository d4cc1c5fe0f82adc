"""Notifications: one layer that tells people things, by e-mail and chat webhook.

Features call ``services.notify`` with the recipients, a kind (``kinds.KINDS``), a subject, a
body, a link and a key that names the event. Each (recipient, key) is recorded once, so the
same event never notifies anyone twice; each user chooses per kind: instantly, in the daily
digest, or off. Delivery runs in a Celery task after the transaction commits, with retries and
a timeout; a failing webhook is recorded, never raised into the request that caused it.
"""
