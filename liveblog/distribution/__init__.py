"""Distribution: the moment a blog changes, tell partners and readers who asked.

- webhooks: signed (Standard Webhooks) POSTs to partners' endpoints, per blog and event, at
  least once and in order per endpoint, retried with backoff, logged, disabled after a run of
  failures (models.Endpoint, models.Delivery, webhooks.py);
- WebSub: the feeds name a hub, and each change pings it (websub.py);
- Web Push: readers who follow a blog get a notice per update or per key event (push.py);
- the JSON Feed and the teaser card (views.py).

Everything reads the change log through liveblog.stream and runs in the task queue (tasks.py,
django-tasks: a `db_worker`, or `rqworker` on Redis), queued once a change commits
(receivers.py): never in the editor's request.
"""
