"""Text search for blogs and entries: PostgreSQL full-text search, or a LIKE fallback on SQLite.

On PostgreSQL each row's document is a weighted tsvector (title/headline first) stemmed in the
row's own language's configuration (`search_config`, a regconfig column derived from the blog's
or entry's language by liveblog.languages), stored by PostgreSQL itself in the generated column
`search_document` that the GIN indexes cover (migration 0012_search_documents). Queries are
parsed with websearch_to_tsquery (so readers may type "quoted phrases", OR and -word) and ranked.

A query within one blog is parsed in that blog's configuration; across blogs, in every
configuration a blog may have. Matching is then done twice over, both from what is stored: the
query in every configuration OR-ed (one constant tsquery: the GIN index finds the candidates
with it), and, per row, the query in the row's own configuration (so "-capital", parsed without
stemming, cannot let an English "capital", stored as "capit", through). No row's text is ever
parsed again at query time, which cost a to_tsvector per candidate: 20 to 60 seconds for a
common word over 150,000 entries.

`bounded()` is the search page's budget: on PostgreSQL every query uses the GIN index (the
plan does not hinge on how common the planner thinks a word is) within a statement timeout, on
SQLite a progress handler stops a query at the same deadline; past it, TooBroad. The number of
matches counted is capped (CappedPaginator).
"""

import contextlib
import hashlib
import json
import re
import time
from collections.abc import Iterator
from functools import cached_property

from django.conf import settings
from django.contrib.postgres.search import (
    SearchConfig,
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.core.paginator import Paginator
from django.db import OperationalError, connections, models, transaction
from django.db.models import Case, Expression, F, IntegerField, Q, QuerySet, Value, When

from liveblog import languages

# Each row's text search configuration (liveblog.languages.search_config of its language).
SEARCH_CONFIG = F("search_config")


class SearchConfigField(models.CharField):
    """A text search configuration's name: PostgreSQL's regconfig type there (to_tsvector over
    a regconfig column is immutable, so it can be indexed), text elsewhere."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 63)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("default", default_config)
        super().__init__(*args, **kwargs)

    def db_type(self, connection):
        return "regconfig" if connection.vendor == "postgresql" else super().db_type(connection)

    def get_placeholder(self, value, compiler, connection):
        return "%s::regconfig" if connection.vendor == "postgresql" else "%s"

    def from_db_value(self, value, expression, connection):
        # PostgreSQL names a configuration outside the search path with its schema.
        return value.rsplit(".", 1)[-1] if isinstance(value, str) else value


def default_config() -> str:
    return languages.search_config(languages.default())


# Words beyond this are ignored by the fallback (each adds LIKE clauses).
MAX_FALLBACK_TERMS = 8
# A word, a -word, a "quoted phrase" or a -"quoted phrase".
TOKEN = re.compile(r'-?"[^"]*"|\S+')


# The generated tsvector column of migration 0012 (PostgreSQL only; not a model field).
DOCUMENT_COLUMN = "search_document"


class StoredDocument(Expression):
    """A row's search document as PostgreSQL stores it: the `search_document` column of the
    queryset's own table (its text weighted and stemmed in the row's configuration)."""

    output_field = SearchVectorField()

    def __init__(self, alias: str | None = None):
        super().__init__()
        self.alias = alias

    def resolve_expression(self, query=None, *args, **kwargs):
        return StoredDocument(query.get_initial_alias())

    def relabeled_clone(self, relabels):
        return StoredDocument(relabels.get(self.alias, self.alias))

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(self.alias)
        return f"{table}.{connection.ops.quote_name(DOCUMENT_COLUMN)}", []

    def get_group_by_cols(self):
        return [self]


def entry_vector() -> StoredDocument:
    """An entry's document: headline (weight A) and body (B), as migration 0012 stores it."""
    return StoredDocument()


def blog_vector() -> StoredDocument:
    """A blog's document: title (A), standfirst (B) and intro (C), as migration 0012 stores it."""
    return StoredDocument()


def search(
    queryset: QuerySet,
    query: str,
    *,
    vector: StoredDocument,
    fields: list[str],
    language: str | None = None,
) -> QuerySet:
    """Filter queryset to rows matching query, best match first; an empty query matches nothing.
    `language`: the rows are all in this language (one blog's), so the query is parsed in it."""
    query = " ".join(query.split())
    if not query:
        return queryset.none()
    if connections[queryset.db].vendor == "postgresql":
        return _full_text(queryset, query, vector, language)
    return _fallback(queryset, query, fields)


def configs_for(language: str | None) -> list[str]:
    """The configurations rows may be in: the language's, or every one a blog may have."""
    return [languages.search_config(language)] if language else languages.search_configs()


def ts_query(query: str, language: str | None = None) -> SearchQuery:
    """The reader's query as one constant tsquery in each configuration rows may be in, OR-ed
    (for ranking and highlighting; matching takes each row's own, see _full_text)."""
    combined = None
    for config in configs_for(language):
        part = SearchQuery(query, search_type="websearch", config=config)
        combined = part if combined is None else combined | part
    return combined


def _full_text(queryset: QuerySet, query: str, vector: StoredDocument, language) -> QuerySet:
    wanted = ts_query(query, language)
    # Each row matches the query as parsed in its own configuration: checked on the stored
    # document of the candidates the index found with every configuration's parse.
    own = Q()
    for config in configs_for(language):
        parsed = SearchQuery(query, search_type="websearch", config=config)
        # Compared as a regconfig: a bare parameter would be read as the type's OID.
        own |= Q(search_config=SearchConfig(config)) & Q(_document=parsed)
    return (
        queryset.alias(_document=vector)
        .filter(_document=wanted)
        .filter(own)
        .annotate(search_rank=SearchRank(vector, wanted))
        .order_by("-search_rank", *_ordering(queryset))
    )


def _fallback(queryset: QuerySet, query: str, fields: list[str]) -> QuerySet:
    """websearch_to_tsquery syntax, roughly: words AND-ed, "a phrase", OR between groups, -word."""
    groups: list[tuple[list[str], list[str]]] = [([], [])]
    for token in TOKEN.findall(query)[:MAX_FALLBACK_TERMS]:
        if token.upper() == "OR":
            groups.append(([], []))
            continue
        excluded = token.startswith("-")
        term = token.lstrip("-").strip('"').strip()
        if term:
            groups[-1][1 if excluded else 0].append(term)
    condition = Q()
    for wanted, unwanted in groups:
        if not wanted:
            continue
        group = Q()
        for term in wanted:
            group &= _any_field(fields, term)
        for term in unwanted:
            group &= ~_any_field(fields, term)
        condition |= group
    if not condition:
        return queryset.none()
    # A crude rank: matches in the first (most important) field count most.
    first = fields[0]
    wanted_terms = [term for wanted, _ in groups for term in wanted]
    rank = Case(
        When(**{f"{first}__icontains": " ".join(wanted_terms)}, then=Value(2)),
        When(_any_field([first], wanted_terms[0]), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return (
        queryset.filter(condition)
        .annotate(search_rank=rank)
        .order_by(F("search_rank").desc(), *_ordering(queryset))
    )


def _any_field(fields: list[str], term: str) -> Q:
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": term})
    return condition


def _ordering(queryset: QuerySet) -> list:
    """The queryset's ordering, as the tie-break between equally ranked rows."""
    return list(queryset.query.order_by or queryset.model._meta.ordering or ["-pk"])


# --- the search page's budget ---------------------------------------------------------------


class TooBroad(Exception):
    """A search that ran past LIVEBLOG_SEARCH_TIMEOUT_MS and was stopped."""


# PostgreSQL's SQLSTATE for a statement stopped by statement_timeout (query_canceled).
QUERY_CANCELED = "57014"
# SQLite asks the progress handler every this many virtual machine instructions.
PROGRESS_STEPS = 10_000


@contextlib.contextmanager
def bounded(using: str = "default") -> Iterator[None]:
    """Run the searches inside with each query within LIVEBLOG_SEARCH_TIMEOUT_MS; TooBroad when
    one takes longer (on PostgreSQL in one transaction, which the settings last as long as).

    On PostgreSQL the GIN indexes serve every query: a word in most entries would otherwise
    tempt the planner into reading the whole table (cheap only since documents are stored, and
    never bounded by the index); and every query is planned for its own words, never by a
    prepared statement's generic plan (which took a common word from 0.5 to 3 seconds). SQLite
    has no statement timeout: a progress handler stops the query at the same deadline.
    """
    connection = connections[using]
    try:
        if connection.vendor == "postgresql":
            # SET LOCAL: the settings end with the transaction. A search's SQL is the same
            # text whatever the words (they are parameters), so prepared statements would soon
            # run a generic plan made without them: each search is planned for its own words.
            # Inside a caller's transaction this is a savepoint, and SET LOCAL outlives its
            # release: the caller's settings are read as these are set (the materialized CTE
            # first) and given back after, or the caller's next statements (a deferred foreign
            # key check at its COMMIT, say) would run under the search's timeout.
            nested = connection.in_atomic_block
            with transaction.atomic(using=using), connection.cursor() as cursor:
                cursor.execute(
                    "WITH caller AS MATERIALIZED (SELECT current_setting('statement_timeout') AS t,"
                    " current_setting('enable_seqscan') AS s,"
                    " current_setting('plan_cache_mode') AS p)"
                    " SELECT caller.t, caller.s, caller.p,"
                    " set_config('statement_timeout', %s, true),"
                    " set_config('enable_seqscan', 'off', true),"
                    " set_config('plan_cache_mode', 'force_custom_plan', true) FROM caller",
                    [str(settings.LIVEBLOG_SEARCH_TIMEOUT_MS)],
                )
                caller = cursor.fetchone()[:3]
                yield
                if nested:  # (after a failure the savepoint's rollback undoes them)
                    cursor.execute(
                        "SELECT set_config('statement_timeout', %s, true),"
                        " set_config('enable_seqscan', %s, true),"
                        " set_config('plan_cache_mode', %s, true)",
                        list(caller),
                    )
        elif connection.vendor == "sqlite":
            connection.ensure_connection()
            deadline = time.monotonic() + settings.LIVEBLOG_SEARCH_TIMEOUT_MS / 1000
            raw = connection.connection
            raw.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
            try:
                yield
            finally:
                raw.set_progress_handler(None, PROGRESS_STEPS)
        else:
            yield
    except OperationalError as error:
        if _stopped(error):
            raise TooBroad(str(error).strip().splitlines()[0]) from None
        raise


def _stopped(error: OperationalError) -> bool:
    """Whether the database stopped the query for taking too long (not another failure)."""
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) == QUERY_CANCELED:
        return True
    return type(cause).__module__ == "sqlite3" and "interrupted" in str(cause)


def cache_key(query: str, blog_slug: str, page: str) -> str:
    """The cache key of a search page: its query, blog and page number (as asked: one that is
    not a short whole number is the first page), nothing else a URL may carry."""
    page = page if page.isascii() and page.isdigit() and len(page) < 6 else ""
    wanted = json.dumps([query, blog_slug, page]).encode()
    return f"liveblog:search:{hashlib.sha256(wanted).hexdigest()}"


class CappedPaginator(Paginator):
    """Counts at most LIVEBLOG_SEARCH_MAX_MATCHES matches (`is_capped` when there are more):
    counting every match of a common word costs as much as listing them all. Pages go as far
    as the cap."""

    @cached_property
    def count(self) -> int:
        cap = settings.LIVEBLOG_SEARCH_MAX_MATCHES
        found = self.object_list.order_by().values("pk")[: cap + 1].count()
        self.is_capped = found > cap
        return min(found, cap)

    is_capped = False


# --- highlighted snippets ------------------------------------------------------------------------

# Markers ts_headline puts around matches: control characters no entry text contains, so the
# text can be escaped as a whole and the marks put back as <mark> by the template.
START, STOP = "\x02", "\x03"
SNIPPET_WORDS = 32
ELLIPSIS = "…"
# Body markup that must not show in a snippet: a link's address, its brackets, list dashes.
LINK_ADDRESS = re.compile(r"\]\([^)\s\x02\x03]*\)?")
MARKUP = re.compile(r"^\s*- |\[interactive:\s*|[\[\]\\]", re.M)


def entries_matching(entries: QuerySet, query: str, blog=None) -> QuerySet:
    """The search page's `entries` matching `query` (in `blog`, parsed in its language, or in
    every blog), newest first, with their blogs and what the highlights need."""
    language = None
    if blog is not None:
        entries = entries.for_blog(blog)
        language = blog.language
    # Untimed (imported) entries last on every database: PostgreSQL would put NULLs first.
    newest = entries.search(query, language=language).select_related("blog")
    newest = newest.order_by(F("published_at").desc(nulls_last=True), "-id")
    return with_highlights(newest, query, language)


def with_highlights(queryset: QuerySet, query: str, language: str | None = None) -> QuerySet:
    """On PostgreSQL, annotate each entry with its headline and best body fragments, matches
    marked (ts_headline understands the same stemmed query the match used). Computed only
    for the rows fetched, so a page of results costs no extra query."""
    query = " ".join(query.split())
    if not query or connections[queryset.db].vendor != "postgresql":
        return queryset
    marked = ts_query(query, language)
    marks = {"start_sel": START, "stop_sel": STOP, "config": SEARCH_CONFIG}
    return queryset.annotate(
        marked_headline=SearchHeadline("headline", marked, highlight_all=True, **marks),
        marked_body=SearchHeadline(
            "body",
            marked,
            max_words=SNIPPET_WORDS,
            min_words=SNIPPET_WORDS // 2,
            max_fragments=2,
            fragment_delimiter=f" {ELLIPSIS} ",
            **marks,
        ),
    )


def highlight(entry, query: str) -> None:
    """Set `entry.headline_parts` and `entry.snippet_parts`: lists of (text, is_match) for the
    template, the snippet cut at word boundaries. PostgreSQL's marks when `with_highlights()`
    made them, else the query's words found in the text (SQLite)."""
    if hasattr(entry, "marked_body"):
        entry.headline_parts = _split_marks(entry.marked_headline)
        body = LINK_ADDRESS.sub("", entry.marked_body)
        body = " ".join(MARKUP.sub("", body).split())
        # ts_headline cuts between words but says nothing of it: say so where text is left out.
        whole, shown = _words(_plain(entry.body_blocks)), _words(body)
        if shown and not whole.startswith(shown[:40]):
            body = f"{ELLIPSIS} {body}"
        if shown and not whole.endswith(shown[-40:]):
            body = f"{body} {ELLIPSIS}"
        entry.snippet_parts = _split_marks(body)
        return
    words = terms(query)
    entry.headline_parts = _mark_terms(entry.headline, words)
    entry.snippet_parts = _mark_terms(_excerpt(_plain(entry.body_blocks), words), words)


def terms(query: str) -> list[str]:
    """The words and phrases a query asks for (not the excluded ones, nor OR)."""
    found = []
    for token in TOKEN.findall(query)[:MAX_FALLBACK_TERMS]:
        if token.upper() == "OR" or token.startswith("-"):
            continue
        term = " ".join(token.strip('"').split())
        if term:
            found.append(term)
    return found


def _plain(blocks: list[dict]) -> str:
    parts = []
    for block in blocks:
        if block["type"] in ("paragraph", "link"):
            parts.append(block["text"])
        elif block["type"] == "list":
            parts.extend(block["items"])
    return " ".join(" ".join(parts).split())


def _words(text: str) -> str:
    """The words of a text, without its punctuation (which ts_headline may drop at its ends)."""
    return " ".join(re.findall(r"\w+", text))


def _excerpt(text: str, words: list[str]) -> str:
    """About SNIPPET_WORDS words of text around the first match, cut between words."""
    tokens = text.split(" ")
    if len(tokens) <= SNIPPET_WORDS:
        return text
    lowered = text.lower()
    hits = [lowered.find(word.lower()) for word in words]
    first = min((hit for hit in hits if hit >= 0), default=0)
    at = lowered[:first].count(" ")  # the word the first match falls in
    start = max(0, min(at - SNIPPET_WORDS // 3, len(tokens) - SNIPPET_WORDS))
    piece = " ".join(tokens[start : start + SNIPPET_WORDS])
    before = f"{ELLIPSIS} " if start > 0 else ""
    after = f" {ELLIPSIS}" if start + SNIPPET_WORDS < len(tokens) else ""
    return before + piece + after


def _mark_terms(text: str, words: list[str]) -> list[tuple[str, bool]]:
    if not words:
        return [(text, False)] if text else []
    pattern = re.compile("|".join(re.escape(word) for word in sorted(words, key=len)[::-1]), re.I)
    parts, at = [], 0
    for match in pattern.finditer(text):
        if match.start() > at:
            parts.append((text[at : match.start()], False))
        parts.append((match.group(), True))
        at = match.end()
    if at < len(text):
        parts.append((text[at:], False))
    return parts


def _split_marks(text: str) -> list[tuple[str, bool]]:
    parts = []
    for n, piece in enumerate(re.split(f"[{START}{STOP}]", text)):
        if piece:
            parts.append((piece, n % 2 == 1))
    return parts
