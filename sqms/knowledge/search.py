"""Full-text search of knowledge articles that works for Chinese.

Chinese has no spaces between words, so the database cannot split it: the words are cut by
jieba (sqms.core.chinese_text.search_words, which also yields the short words inside long ones)
and stored space-separated in Article.search_text whenever the live text changes. The database
then indexes those words:

- PostgreSQL: a GIN index over to_tsvector('simple', search_text) (migration 0003), queried
  with the query's words OR-ed as prefixes (to_tsquery('simple', 'w1:* | w2:*')) and ranked
  by ts_rank;
- SQLite: an FTS5 table knowledge_article_fts(search_text) with the article's id as rowid,
  written by the save path (sync_index), queried with MATCH '"w1"* OR "w2"*' and ranked by
  bm25.

A query word also matches the indexed words it begins ("扣" finds 扣费), since customers
type shorter words than articles use.

Both give a relevance score; the best candidates are then re-ranked the same way on both
databases: a bonus for query words in the title and for covering more of the query's words, so
"宽带断网" puts an article about "宽带无法上网/断网" before one that only mentions 宽带.
"""

from typing import Any

from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from sqms.core.chinese_text import search_words
from sqms.knowledge.choices import ArticleStatus
from sqms.knowledge.models import Article

VIEW = "knowledge.view_article"
FTS_TABLE = "knowledge_article_fts"
MAX_QUERY_WORDS = 24
CANDIDATES = 200
TITLE_BONUS = 1.0
COVERAGE_BONUS = 1.0


def index_text(article: Article) -> str:
    """The words of an article's live text as stored in search_text."""
    text = "\n".join(
        str(getattr(article, name) or "")
        for name in ("title", "problem", "cause", "solution", "products")
    )
    return " ".join(search_words(text))


def query_words(text: str) -> list[str]:
    """The distinct words of a query, in order."""
    found: list[str] = []
    for word in search_words(text or ""):
        if word not in found:
            found.append(word)
    return found[:MAX_QUERY_WORDS]


def sync_index(article: Article) -> None:
    """Write the article's search_text into SQLite's FTS5 table (PostgreSQL indexes the
    column itself). Call inside the transaction that saved the article."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [article.pk])  # noqa: S608
        cursor.execute(
            f"INSERT INTO {FTS_TABLE} (rowid, search_text) VALUES (%s, %s)",  # noqa: S608
            [article.pk, article.search_text],
        )


def drop_from_index(article_id: int) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [article_id])  # noqa: S608


def _pg_tsquery(words: list[str]) -> str:
    """The words OR-ed, each a quoted prefix (quotes and backslashes escaped)."""
    quoted = ("'" + word.replace("\\", "\\\\").replace("'", "''") + "':*" for word in words)
    return " | ".join(quoted)


def _fts_match(words: list[str]) -> str:
    """The words OR-ed as FTS5 prefix strings (double quotes doubled)."""
    return " OR ".join('"' + word.replace('"', '""') + '"*' for word in words)


def _scored(queryset: QuerySet, words: list[str]) -> list[tuple[int, float, str, str]]:
    """(id, database score — higher is better, title, search_text) of the best matches.

    The SQL below is built from constants (table names); the query text is always a bound
    parameter."""
    table = connection.ops.quote_name(Article._meta.db_table)
    if connection.vendor == "postgresql":
        tsquery = _pg_tsquery(words)
        # The same expression as the GIN index of migration 0003, so the index is used.
        vector = f"to_tsvector('simple'::regconfig, {table}.\"search_text\")"
        rank = f"ts_rank({vector}, to_tsquery('simple'::regconfig, %s))"
        match = f"{vector} @@ to_tsquery('simple'::regconfig, %s)"
        matched = queryset.annotate(kb_score=RawSQL(rank, [tsquery])).extra(  # noqa: S610, S611
            where=[match], params=[tsquery]
        )
    elif connection.vendor == "sqlite":
        fts = _fts_match(words)
        ids = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608
        score = (
            f"(SELECT -bm25({FTS_TABLE}) FROM {FTS_TABLE} "  # noqa: S608
            f"WHERE {FTS_TABLE} MATCH %s AND rowid = {table}.id)"
        )
        matched = queryset.filter(pk__in=RawSQL(ids, [fts])).annotate(  # noqa: S611
            kb_score=RawSQL(score, [fts])  # noqa: S611
        )
    else:  # another database: plain substring matching, no index
        condition = Q()
        for word in words:
            condition |= Q(search_text__icontains=word)
        matched = queryset.filter(condition).annotate(kb_score=Value(1.0))
    rows = matched.order_by("-kb_score", "-id").values_list(
        "pk", "kb_score", "title", "search_text"
    )[:CANDIDATES]
    return [(pk, float(score or 0), title, text) for pk, score, title, text in rows]


def ranked_ids(queryset: QuerySet, text: str) -> list[int] | None:
    """Ids of the articles of `queryset` matching `text`, best first (None: no query words)."""
    words = query_words(text)
    if not words:
        return None
    scored = _scored(queryset, words)
    if not scored:
        return []
    top = max(score for _pk, score, _title, _text in scored) or 1.0
    results = []
    for pk, score, title, indexed in scored:
        title = title.lower()
        present = set(indexed.split())
        in_title = sum(1 for word in words if word in title)
        covered = sum(
            1
            for word in words
            if word in present or any(token.startswith(word) for token in present)
        )
        final = (
            score / top
            + TITLE_BONUS * in_title / len(words)
            + COVERAGE_BONUS * covered / len(words)
        )
        results.append((final, pk))
    results.sort(key=lambda item: (-item[0], -item[1]))
    return [pk for _final, pk in results]


def order_by_relevance(queryset: QuerySet, text: str) -> QuerySet:
    """`queryset` narrowed to the articles matching `text`, best first; unchanged when the
    query has no words."""
    ids = ranked_ids(queryset, text)
    if ids is None:
        return queryset
    if not ids:
        return queryset.none()
    position = Case(
        *[When(pk=pk, then=Value(index)) for index, pk in enumerate(ids)],
        output_field=IntegerField(),
    )
    return queryset.filter(pk__in=ids).order_by(position)


def search_articles(user: Any, text: str, *, limit: int = 3) -> list[Article]:
    """Published articles `user` may see that match `text`, best first; the most recently
    published ones for an empty query. `user=None`: every published article (public help)."""
    if user is not None and not user.has_perm(VIEW):
        return []
    articles = Article.objects.all() if user is None else Article.objects.visible_to(user)
    articles = articles.filter(status=ArticleStatus.PUBLISHED).select_related("category")
    limit = max(0, int(limit))
    ids = ranked_ids(articles, text)
    if ids is None:
        return list(articles.order_by("-published_at", "-id")[:limit])
    wanted = ids[:limit]
    found = {article.pk: article for article in articles.filter(pk__in=wanted)}
    return [found[pk] for pk in wanted if pk in found]
