from django.core.management.base import BaseCommand

from liveblog.distribution import push


class Command(BaseCommand):
    help = "Make a VAPID key pair for Web Push and print it as the two settings to export."

    def handle(self, *args, **options):
        public, private = push.make_keys()
        self.stdout.write(f"LIVEBLOG_VAPID_PUBLIC_KEY={public}")
        self.stdout.write(f"LIVEBLOG_VAPID_PRIVATE_KEY={private}")
