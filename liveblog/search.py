"""Text search for blogs and entries: PostgreSQL full-text search, or a LIKE fallback on SQLite.

On PostgreSQL the documents are weighted tsvectors (title/headline first) matched with
websearch_to_tsquery (so readers may type "quoted phrases", OR and -word) and ranked. The vectors
below are exactly the expressions of the GIN indexes created by migration 0003_search_indexes:
change one and the other must change with it, or the index is silently no longer used
(tests/test_search.py checks the plan).
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
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
