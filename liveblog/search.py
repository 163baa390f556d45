"""Text search for blogs and entries: PostgreSQL full-text search, or a LIKE fallback on SQLite.

On PostgreSQL the documents are weighted tsvectors (title/headline first) matched with
websearch_to_tsquery (so readers may type "quoted phrases", OR and -word) and ranked. Each row is
stemmed in its own language's configuration (`search_config`, a regconfig column derived from
the blog's or entry's language by liveblog.languages). The vectors below are exactly the
expressions of the GIN indexes created by migration 0009_blog_language: change one and the other
must change with it, or the index is silently no longer used (tests/test_search.py checks the
plan).

A query within one blog is parsed in that blog's configuration; across blogs, in every
configuration a blog may have, OR-ed: a word then matches in each language's own stemming
(and the tsquery stays a constant, so the GIN index still serves it).
"""

import re

from django.contrib.postgres.search import (
    SearchConfig,
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.db import connections, models
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

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


def entry_vector() -> SearchVector:
    return SearchVector("headline", weight="A", config=SEARCH_CONFIG) + SearchVector(
        "body", weight="B", config=SEARCH_CONFIG
    )


def blog_vector() -> SearchVector:
    return (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("standfirst", weight="B", config=SEARCH_CONFIG)
        + SearchVector("intro", weight="C", config=SEARCH_CONFIG)
    )


def search(
    queryset: QuerySet,
    query: str,
    *,
    vector: SearchVector,
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


def _full_text(queryset: QuerySet, query: str, vector: SearchVector, language) -> QuerySet:
    # Each row matches the query as parsed in its own configuration (else "-capital" parsed
    # without stemming would let an English "capital", stored as "capit", through). Each arm is
    # a constant tsquery on the vector expression itself (not an alias of it), so the planner
    # can serve every arm from the GIN index.
    match = Q()
    for config in configs_for(language):
        wanted = SearchQuery(query, search_type="websearch", config=config)
        # Compared as a regconfig: a bare parameter would be read as the type's OID.
        match |= Q(search_config=SearchConfig(config), _document=wanted)
    return (
        queryset.annotate(search_rank=SearchRank(vector, ts_query(query, language)))
        .alias(_document=vector)
        .filter(match)
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


# --- highlighted snippets ------------------------------------------------------------------------

# Markers ts_headline puts around matches: control characters no entry text contains, so the
# text can be escaped as a whole and the marks put back as <mark> by the template.
START, STOP = "\x02", "\x03"
SNIPPET_WORDS = 32
ELLIPSIS = "…"
# Body markup that must not show in a snippet: a link's address, its brackets, list dashes.
LINK_ADDRESS = re.compile(r"\]\([^)\s\x02\x03]*\)?")
MARKUP = re.compile(r"^\s*- |\[interactive:\s*|[\[\]\\]", re.M)


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
