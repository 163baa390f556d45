import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from liveblog.distribution.models import Delivery, DeliveryStatus


class Command(BaseCommand):
    help = "Delete webhook deliveries delivered more than --days ago (the log keeps the rest)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="keep this many days (30)")

    def handle(self, *args, days: int, **options):
        if days < 0:
            self.stderr.write("--days must be 0 or more")
            return
        before = timezone.now() - datetime.timedelta(days=days)
        old = Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED, delivered_at__lt=before)
        count, _ = old.delete()
        self.stdout.write(f"{count} deliveries deleted")
