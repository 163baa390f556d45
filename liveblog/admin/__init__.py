"""The editors' UI in the Django admin: blogs, entries, images and captions.

The rules live in liveblog.models (verbs, QuerySets, constraints); these modules only present
them to editors. Every changelist runs a fixed number of queries: counts are annotated in
get_queryset(), related rows come through list_select_related, thumbnails use the stored file
name only.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from liveblog.admin import blogs, entries, images  # noqa: F401  (registers the ModelAdmins)

admin.site.site_header = _("Liveblog editorial")
admin.site.site_title = _("Liveblog admin")
admin.site.index_title = _("Curate live blogs")
