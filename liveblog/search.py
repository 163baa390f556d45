"""Text search for blogs and entries: PostgreSQL full-text search, or a LIKE fallback on SQLite.

On PostgreSQL the documents are weighted tsvectors (title/headline first) matched with
websearch_to_tsquery (so readers may type "quoted phrases", OR and -word) and ranked. The vectors
below are exactly the expressions of the GIN indexes created by migration 0003_search_indexes:
change one and the other must change with it, or the index is silently no longer used
(tests/test_search.py checks the plan).
"""

import re

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

# Stemming for English text; the index is built for this configuration.
SEARCH_CONFIG = "english"
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


def search(queryset: QuerySet, query: str, *, vector: SearchVector, fields: list[str]) -> QuerySet:
    """Filter queryset to rows matching query, best match first; an empty query matches nothing."""
    query = " ".join(query.split())
    if not query:
        return queryset.none()
    if connections[queryset.db].vendor == "postgresql":
        return _full_text(queryset, query, vector)
    return _fallback(queryset, query, fields)


def _full_text(queryset: QuerySet, query: str, vector: SearchVector) -> QuerySet:
    ts_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    # Filtering on the vector expression itself (not an alias) lets the planner use the GIN index.
    return (
        queryset.annotate(search_rank=SearchRank(vector, ts_query))
        .alias(_document=vector)
        .filter(_document=ts_query)
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


def with_highlights(queryset: QuerySet, query: str) -> QuerySet:
    """On PostgreSQL, annotate each entry with its headline and best body fragments, matches
    marked (ts_headline understands the same stemmed query the match used). Computed only
    for the rows fetched, so a page of results costs no extra query."""
    query = " ".join(query.split())
    if not query or connections[queryset.db].vendor != "postgresql":
        return queryset
    ts_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    marks = {"start_sel": START, "stop_sel": STOP, "config": SEARCH_CONFIG}
    return queryset.annotate(
        marked_headline=SearchHeadline("headline", ts_query, highlight_all=True, **marks),
        marked_body=SearchHeadline(
            "body",
            ts_query,
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
