"""Public site URLs. Fixed paths come before the `<slug:slug>/` patterns they would match."""

from django.urls import path

from liveblog import feeds, languages, sitemaps, views
from liveblog.distribution import views as distribution

app_name = "liveblog"

urlpatterns = [
    path("", views.BlogListView.as_view(), name="blog-list"),
    path("sitemap.xml", sitemaps.index, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.section, name="sitemap-section"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("oembed/", views.oembed, name="oembed"),
    path("sw.js", distribution.service_worker, name="service-worker"),
    path("manifest.webmanifest", distribution.manifest, name="manifest"),
    path(
        "jsi18n/<str:language>/", languages.JavaScriptCatalog.as_view(), name="javascript-catalog"
    ),
    path("<slug:slug>/", views.blog_detail, name="blog-detail"),
    path("<slug:slug>/embed/", views.blog_embed, name="blog-embed"),
    path("<slug:slug>/entries/", views.entry_page_fragment, name="entry-page"),
    path("<slug:slug>/entries/<int:pk>/", views.entry_detail, name="entry-detail"),
    path("<slug:slug>/entries/<int:pk>/embed/", views.entry_embed, name="entry-embed"),
    path("<slug:slug>/entries/<int:pk>/locate/", views.entry_locate, name="entry-locate"),
    path("<slug:slug>/live/", views.blog_live, name="blog-live"),
    path("<slug:slug>/follow/", distribution.follow, name="blog-follow"),
    path("<slug:slug>/unfollow/", distribution.unfollow, name="blog-unfollow"),
    path("<slug:slug>/teaser/", distribution.teaser, name="blog-teaser"),
    path("<slug:slug>/live/changes/", views.blog_changes, name="blog-changes"),
    path("<slug:slug>/feed/", feeds.blog_feed, name="blog-feed"),
    path("<slug:slug>/feed/key-events/", feeds.key_events_feed, name="blog-key-events-feed"),
    path("<slug:slug>/feed/json/", feeds.blog_json_feed, name="blog-json-feed"),
    path(
        "<slug:slug>/feed/key-events/json/",
        feeds.key_events_json_feed,
        name="blog-key-events-json-feed",
    ),
]
