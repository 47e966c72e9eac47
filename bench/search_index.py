#!/usr/bin/env python3
"""Directory search index: storage options on SQLite and PostgreSQL (a design measurement).

Generates N Japanese service documents (fixed seed), tokenises them with
``tsunagu.directory.search.text.index_tokens`` and measures, for each way of storing the tokens,
the size against the plain documents table, the build time, and the latency of capped queries
(``LIMIT`` 1,000) per query class, evaluating ``Query`` semantics (AND across terms, OR across
alternatives, AND within an alternative). Every variant's full (uncapped) result set is asserted
equal to ``Query.matches`` evaluated in Python for every query of the pools.

Variants:

A  postings table (token TEXT, doc_id INT, PRIMARY KEY(token, doc_id)); WITHOUT ROWID on SQLite.
D  the same with tokens hashed to BIGINT (first 8 bytes of blake2b).
B  SQLite FTS5, contentless, detail=none, columnsize=0, tokens hashed to 12 hex characters
   (so unicode61 tokenisation is trivial).
C  PostgreSQL: a side table (doc_id, tokens text[]) with a GIN index, queried with @>.
E  PostgreSQL: the same with hashed bigint[] tokens.
F  PostgreSQL: (doc_id, tokens int4[]) of 32-bit hashes, GIN with the intarray extension's
   gin__int_ops, queried with one ``@@ query_int`` expression.
G  PostgreSQL: (doc_id, tokens tsvector) of hashed lexemes (8 hex characters), GIN, queried with
   one ``@@ tsquery`` expression (a tsquery literal, so no text search parser is involved).
F and G are timed in several query modes on the same table: as is; in a transaction with
``SET LOCAL enable_seqscan = off`` (plan control); and ``ORDER BY doc_id`` (the lowest ids first,
so that a capped result is the same set on every database) with plan control.

No Django setup is needed. The SQLite files live under $TSUNAGU_VAR_DIR (default
/tmp/tsunagu-bench)/search-index/, one file per variant so that sizes are exact; the PostgreSQL
database (--pg-dsn, name must contain "bench") is dropped and recreated.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tsunagu.directory.search.text import Query, index_tokens, query_tokens  # noqa: E402

CAP = 1000

# --------------------------------------------------------------------------------------------------
# documents


def words(text: str) -> list[str]:
    return text.split()


MUNICIPALITIES = words(
    "札幌市 旭川市 函館市 青森市 盛岡市 仙台市 秋田市 山形市 福島市 郡山市 水戸市 つくば市 宇都宮市 前橋市 高崎市 "
    "さいたま市 川越市 川口市 千葉市 船橋市 柏市 千代田区 中央区 港区 新宿区 文京区 台東区 墨田区 江東区 品川区 "
    "目黒区 大田区 世田谷区 渋谷区 中野区 杉並区 豊島区 北区 荒川区 板橋区 練馬区 足立区 葛飾区 江戸川区 八王子市 "
    "立川市 武蔵野市 三鷹市 調布市 町田市 横浜市 川崎市 相模原市 藤沢市 新潟市 富山市 金沢市 福井市 甲府市 長野市 "
    "岐阜市 静岡市 浜松市 名古屋市 豊田市 津市 大津市 京都市 大阪市 堺市 豊中市 神戸市 姫路市 奈良市 和歌山市 "
    "鳥取市 松江市 岡山市 広島市 福山市 山口市 徳島市 高松市 松山市 高知市 北九州市 福岡市 久留米市 佐賀市 長崎市 "
    "熊本市 大分市 宮崎市 鹿児島市 那覇市 沖縄市 石垣市 釧路市 帯広市 上越市"
)
TOPICS = words(
    "子ども食堂 こども食堂 子供食堂 ひきこもり相談 引きこもり支援 ひきこもり家族会 生活困窮者自立相談 介護相談 "
    "地域包括支援センター DV相談 女性相談 障害者相談支援 外国人相談 多文化共生 高齢者サロン 通いの場 居場所 "
    "就労支援 住まい相談 こころの電話相談 傾聴ボランティア フードバンク ヤングケアラー相談 "
    "若者サポートステーション ピアサポート ひとり親家庭支援 不登校相談 依存症相談 法律相談 日本語教室 "
    "見守りネットワーク 配食サービス 子育てひろば 認知症カフェ 自殺予防電話"
)
SUFFIXES = ("", "", "窓口", "センター", "ひろば", "の会", "ネット", "事業")
WHO = words(
    "高齢者 子ども 子育て中の家庭 生活困窮の方 ひきこもり状態の方とご家族 引きこもりの方 ヒキコモリの若者 "
    "障害のある方 外国人住民 DV被害にあっている方 ひとり親家庭 若者 介護をしている家族 一人暮らしの方 "
    "地域の住民 不登校の子どもと保護者 依存症に悩む方"
)
WHAT = words(
    "無料の食事提供 学習支援 就労支援 住まい探しの支援 家計の相談 介護の相談 居場所づくり 話し相手 見守り訪問 "
    "通訳 日本語教室 訪問相談 電話相談 法律相談 健康体操 配食サービス 就労体験 緊急の一時保護 生活保護の申請同行"
)
CHANNELS = ("電話", "来所", "メール", "LINE", "オンライン", "ＦＡＸ", "訪問")
HOURS = ("24時間", "平日9時から17時", "毎週土曜日", "第2・第4水曜日", "年中無休", "夜間も", "月1回")
FEELINGS = ("孤独を感じている", "誰かと話したい", "不安を抱えている", "生活に困っている", "家族のことで悩んでいる")
EXTRAS = words(
    "同じ悩みを持つ方の交流会 専門職による個別相談 子どもの預かり フードパントリー 多言語での案内 "
    "ギャンブル依存症の家族相談 手話通訳 送迎"
)


def make_documents(n: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    docs: list[tuple[str, str]] = []
    for _ in range(n):
        name = rng.choice(MUNICIPALITIES) + rng.choice(TOPICS) + rng.choice(SUFFIXES)
        sentences = [
            f"{rng.choice(WHO)}を対象に、{rng.choice(WHAT)}と{rng.choice(WHAT)}を行っています。",
            f"{rng.choice(CHANNELS)}で受け付けます（{rng.choice(HOURS)}）。",
        ]
        if rng.random() < 0.6:
            sentences.append(f"{rng.choice(FEELINGS)}方、お気軽にご相談ください。")
        if rng.random() < 0.5:
            sentences.append(f"{rng.choice(EXTRAS)}もあります。")
        docs.append((name, "".join(sentences)))
    return docs


QUERY_CLASSES: dict[str, tuple[str, ...]] = {
    "broad": ("相談", "支援", "相談 支援", "電話", "地域"),
    "rare": (
        "フードバンク",
        "ヤングケアラー",
        "若者サポートステーション",
        "世田谷区 子ども食堂",
        "札幌市 介護",
        "ギャンブル依存症",
        "手話通訳 高知市",
    ),
    "1 character": ("介", "食", "孤", "住", "電"),
    "2 characters": ("介護", "DV", "食堂", "孤独", "障害", "通訳"),
    "kana/kanji variants": ("ひきこもり", "引きこもり", "ヒキコモリ", "子ども食堂", "子供食堂", "こども食堂", "ＤＶ"),
}


def token_hash(token: str) -> bytes:
    return hashlib.blake2b(token.encode(), digest_size=8).digest()


def hash_int(token: str) -> int:
    return int.from_bytes(token_hash(token), "big", signed=True)


def hash_hex(token: str) -> str:
    return "h" + token_hash(token).hex()[:12]


# --------------------------------------------------------------------------------------------------
# helpers

Alts = list[list[Any]]  # one term: alternatives, each a list of (mapped) tokens


def mapped(query: Query, mapping: Callable[[str], Any]) -> list[Alts]:
    return [[[mapping(t) for t in sorted(alt)] for alt in term.alternatives] for term in query.terms]


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def log(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


def mb(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


class Variant:
    key = ""
    label = ""
    db = ""

    def build(self, docs: list[tuple[str, str]], tokens: list[frozenset[str]]) -> None:
        raise NotImplementedError

    def size(self) -> int:
        raise NotImplementedError

    def size_note(self) -> str:
        return ""

    def run(self, query: Query, cap: int | None) -> list[int]:
        raise NotImplementedError


# --------------------------------------------------------------------------------------------------
# SQLite


def sqlite_connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def sqlite_file_size(conn: sqlite3.Connection) -> int:
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    return int(pages * conn.execute("PRAGMA page_size").fetchone()[0])


def compound_sql(terms: list[Alts], param: str, table: str) -> tuple[str, list[Any]]:
    """INTERSECT across terms, UNION across alternatives, INTERSECT within an alternative."""
    params: list[Any] = []
    term_sqls = []
    for alts in terms:
        alt_sqls = []
        for alt in alts:
            parts = [f"SELECT doc_id FROM {table} WHERE token = {param}" for _ in alt]
            params.extend(alt)
            alt_sqls.append("SELECT doc_id FROM (" + " INTERSECT ".join(parts) + ") a")
        term_sqls.append("SELECT doc_id FROM (" + " UNION ".join(alt_sqls) + ") t")
    return " INTERSECT ".join(term_sqls), params


class SqliteDocs:
    def __init__(self, directory: Path) -> None:
        self.path = directory / "docs.sqlite3"

    def build(self, docs: list[tuple[str, str]]) -> float:
        conn = sqlite_connect(self.path)
        start = time.perf_counter()
        conn.execute("CREATE TABLE docs (id INTEGER PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL)")
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO docs VALUES (?, ?, ?)", ((i, n, d) for i, (n, d) in enumerate(docs)))
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
        self.bytes = sqlite_file_size(conn)
        conn.close()
        return elapsed


class SqlitePostings(Variant):
    db = "SQLite"

    def __init__(self, directory: Path, hashed: bool) -> None:
        self.hashed = hashed
        self.key = "D" if hashed else "A"
        self.label = "postings, BIGINT hash" if hashed else "postings, TEXT token"
        self.path = directory / f"postings_{'int' if hashed else 'text'}.sqlite3"
        self.map: Callable[[str], Any] = hash_int if hashed else str

    def build(self, docs: list[tuple[str, str]], tokens: list[frozenset[str]]) -> None:
        conn = sqlite_connect(self.path)
        conn.execute("PRAGMA cache_size=-1000000")
        kind = "INTEGER" if self.hashed else "TEXT"
        conn.execute(
            f"CREATE TABLE postings (token {kind} NOT NULL, doc_id INTEGER NOT NULL,"
            " PRIMARY KEY (token, doc_id)) WITHOUT ROWID"
        )
        table = {t: self.map(t) for t in set().union(*tokens)}
        rows = sorted((table[t], i) for i, toks in enumerate(tokens) for t in toks)
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO postings VALUES (?, ?)", rows)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.close()
        self.conn = sqlite_connect(self.path)

    def size(self) -> int:
        return sqlite_file_size(self.conn)

    def run(self, query: Query, cap: int | None) -> list[int]:
        sql, params = compound_sql(mapped(query, self.map), "?", "postings")
        if cap is not None:
            sql = f"SELECT doc_id FROM ({sql}) q LIMIT {cap}"
        return [r[0] for r in self.conn.execute(sql, params)]


class SqliteFts(Variant):
    db = "SQLite"
    key = "B"
    label = "FTS5 contentless, detail=none, hex hash"

    def __init__(self, directory: Path) -> None:
        self.path = directory / "fts5.sqlite3"

    def build(self, docs: list[tuple[str, str]], tokens: list[frozenset[str]]) -> None:
        conn = sqlite_connect(self.path)
        conn.execute("PRAGMA cache_size=-1000000")
        conn.execute(
            "CREATE VIRTUAL TABLE fts USING fts5(tokens, content='', detail=none, columnsize=0,"
            " tokenize='unicode61 remove_diacritics 0')"
        )
        table = {t: hash_hex(t) for t in set().union(*tokens)}
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO fts (rowid, tokens) VALUES (?, ?)",
            ((i, " ".join(table[t] for t in toks)) for i, toks in enumerate(tokens)),
        )
        conn.execute("INSERT INTO fts (fts) VALUES ('optimize')")
        conn.execute("COMMIT")
        conn.close()
        self.conn = sqlite_connect(self.path)

    def size(self) -> int:
        return sqlite_file_size(self.conn)

    def run(self, query: Query, cap: int | None) -> list[int]:
        terms = mapped(query, hash_hex)
        expr = " AND ".join(
            "(" + " OR ".join("(" + " AND ".join(f'"{t}"' for t in alt) + ")" for alt in alts) + ")" for alts in terms
        )
        sql = "SELECT rowid FROM fts WHERE fts MATCH ?"
        if cap is not None:
            sql += f" LIMIT {cap}"
        return [r[0] for r in self.conn.execute(sql, (expr,))]


# --------------------------------------------------------------------------------------------------
# PostgreSQL


def pg_copy_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


class PgDocs:
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def build(self, docs: list[tuple[str, str]]) -> float:
        start = time.perf_counter()
        self.conn.execute("CREATE TABLE docs (id integer PRIMARY KEY, name text NOT NULL, description text NOT NULL)")
        with self.conn.cursor().copy("COPY docs (id, name, description) FROM STDIN") as copy:
            for i, (name, desc) in enumerate(docs):
                copy.write_row((i, name, desc))
        self.conn.execute("VACUUM ANALYZE docs")
        elapsed = time.perf_counter() - start
        self.bytes = int(self.conn.execute("SELECT pg_total_relation_size('docs')").fetchone()[0])
        return elapsed


class PgPostings(Variant):
    db = "PostgreSQL"

    def __init__(self, conn: Any, hashed: bool) -> None:
        self.conn = conn
        self.hashed = hashed
        self.key = "D" if hashed else "A"
        self.label = "postings, BIGINT hash" if hashed else "postings, TEXT token"
        self.table = "postings_int" if hashed else "postings_text"
        self.map: Callable[[str], Any] = hash_int if hashed else str

    def build(self, docs: list[tuple[str, str]], tokens: list[frozenset[str]]) -> None:
        kind = "bigint" if self.hashed else 'text COLLATE "C"'
        self.conn.execute(f"CREATE TABLE {self.table} (token {kind} NOT NULL, doc_id integer NOT NULL)")
        table = {t: pg_copy_text(str(self.map(t))) for t in set().union(*tokens)}
        with self.conn.cursor().copy(f"COPY {self.table} (token, doc_id) FROM STDIN") as copy:
            for i, toks in enumerate(tokens):
                copy.write("".join(f"{table[t]}\t{i}\n" for t in toks))
        self.conn.execute(f"ALTER TABLE {self.table} ADD PRIMARY KEY (token, doc_id)")
        self.conn.execute(f"VACUUM ANALYZE {self.table}")

    def size(self) -> int:
        return int(self.conn.execute(f"SELECT pg_total_relation_size('{self.table}')").fetchone()[0])

    def size_note(self) -> str:
        heap = self.conn.execute(f"SELECT pg_table_size('{self.table}')").fetchone()[0]
        index = self.conn.execute(f"SELECT pg_indexes_size('{self.table}')").fetchone()[0]
        return f"heap {mb(heap)} + PK {mb(index)}"

    def run(self, query: Query, cap: int | None) -> list[int]:
        sql, params = compound_sql(mapped(query, self.map), "%s", self.table)
        if cap is not None:
            sql = f"SELECT doc_id FROM ({sql}) q LIMIT {cap}"
        return [r[0] for r in self.conn.execute(sql, params)]


class PgGin(Variant):
    db = "PostgreSQL"

    def __init__(self, conn: Any, hashed: bool) -> None:
        self.conn = conn
        self.hashed = hashed
        self.key = "E" if hashed else "C"
        self.label = "bigint[] hash + GIN" if hashed else "text[] + GIN"
        self.table = "doc_tokens_int" if hashed else "doc_tokens_text"
        self.kind = "bigint[]" if hashed else "text[]"
        self.map: Callable[[str], Any] = hash_int if hashed else str

    def build(self, docs: list[tuple[str, str]], tokens: list[frozenset[str]]) -> None:
        self.conn.execute(f"CREATE TABLE {self.table} (doc_id integer PRIMARY KEY, tokens {self.kind} NOT NULL)")
        table = {t: self.map(t) for t in set().union(*tokens)}
        with self.conn.cursor().copy(f"COPY {self.table} (doc_id, tokens) FROM STDIN") as copy:
            for i, toks in enumerate(tokens):
                copy.write_row((i, sorted(table[t] for t in toks)))
        self.conn.execute(f"CREATE INDEX {self.table}_gin ON {self.table} USING gin (tokens)")
        self.conn.execute(f"VACUUM ANALYZE {self.table}")

    def size(self) -> int:
        return int(self.conn.execute(f"SELECT pg_total_relation_size('{self.table}')").fetchone()[0])

    def size_note(self) -> str:
        gin = self.conn.execute(f"SELECT pg_relation_size('{self.table}_gin')").fetchone()[0]
        heap = self.conn.execute(f"SELECT pg_table_size('{self.table}')").fetchone()[0]
        return f"GIN {mb(gin)} + token column heap/TOAST {mb(heap)} + PK"

    def run(self, query: Query, cap: int | None) -> list[int]:
        params: list[Any] = []
        terms = []
        for alts in mapped(query, self.map):
            terms.append("(" + " OR ".join(f"tokens @> %s::{self.kind}" for _ in alts) + ")")
            params.extend(alts)
        sql = f"SELECT doc_id FROM {self.table} WHERE " + " AND ".join(terms)
        if cap is not None:
            sql += f" LIMIT {cap}"
        return [r[0] for r in self.conn.execute(sql, params)]


def hash_int4(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest(), "big", signed=True)


def hash_hex8(token: str) -> str:
    return hashlib.blake2b(token.encode(), digest_size=4).hexdigest()


class PgBoolean(Variant):
    """F (int4[] + intarray) and G (tsvector): one boolean ``@@`` expression per query."""

    db = "PostgreSQL"
    built: set[str] = set()

    def __init__(self, conn: Any, kind: str, *, plan_control: bool, ordered: bool) -> None:
        self.conn = conn
        self.kind = kind
        self.plan_control = plan_control
        self.ordered = ordered
        self.key = "F" if kind == "int4" else "G"
        mode = "ORDER BY doc_id, seqscan off" if ordered else ("seqscan off" if plan_control else "as is")
        name = "int4[] hash + intarray GIN" if kind == "int4" else "tsvector of hashed lexemes + GIN"
        self.label = f"{name} ({mode})"
        self.table = f"doc_tokens_{kind}"

    def build(self, docs: list[tuple[str, str]], tokens: list[frozenset[str]]) -> None:
        if self.table in PgBoolean.built:  # the query modes share one table
            return
        if self.kind == "int4":
            self.conn.execute("CREATE EXTENSION IF NOT EXISTS intarray")
            self.conn.execute(f"CREATE TABLE {self.table} (doc_id integer PRIMARY KEY, tokens int4[] NOT NULL)")
            table = {t: hash_int4(t) for t in set().union(*tokens)}
            with self.conn.cursor().copy(f"COPY {self.table} (doc_id, tokens) FROM STDIN") as copy:
                for i, toks in enumerate(tokens):
                    copy.write_row((i, sorted(table[t] for t in toks)))
            self.conn.execute(f"CREATE INDEX {self.table}_gin ON {self.table} USING gin (tokens gin__int_ops)")
        else:
            self.conn.execute(f"CREATE TABLE {self.table} (doc_id integer PRIMARY KEY, tokens tsvector NOT NULL)")
            hexes = {t: hash_hex8(t) for t in set().union(*tokens)}
            with self.conn.cursor().copy(f"COPY {self.table} (doc_id, tokens) FROM STDIN") as copy:
                for i, toks in enumerate(tokens):
                    copy.write(f"{i}\t" + " ".join(sorted(hexes[t] for t in toks)) + "\n")
            self.conn.execute(f"CREATE INDEX {self.table}_gin ON {self.table} USING gin (tokens)")
        self.conn.execute(f"VACUUM ANALYZE {self.table}")
        PgBoolean.built.add(self.table)

    def size(self) -> int:
        return int(self.conn.execute(f"SELECT pg_total_relation_size('{self.table}')").fetchone()[0])

    def size_note(self) -> str:
        gin = self.conn.execute(f"SELECT pg_relation_size('{self.table}_gin')").fetchone()[0]
        heap = self.conn.execute(f"SELECT pg_table_size('{self.table}')").fetchone()[0]
        return f"GIN {mb(gin)} + heap/TOAST {mb(heap)} + PK"

    def expression(self, query: Query) -> str:
        if self.kind == "int4":
            terms = mapped(query, hash_int4)
            return " & ".join(
                "(" + " | ".join("(" + " & ".join(str(t) for t in alt) + ")" for alt in alts) + ")" for alts in terms
            )
        hexed = mapped(query, hash_hex8)
        return " & ".join(
            "(" + " | ".join("(" + " & ".join(f"'{t}'" for t in alt) + ")" for alt in alts) + ")" for alts in hexed
        )

    def run(self, query: Query, cap: int | None) -> list[int]:
        cast = "query_int" if self.kind == "int4" else "tsquery"
        sql = f"SELECT doc_id FROM {self.table} WHERE tokens @@ %s::{cast}"
        if self.ordered:
            sql += " ORDER BY doc_id"
        if cap is not None:
            sql += f" LIMIT {cap}"
        if not self.plan_control:
            return [r[0] for r in self.conn.execute(sql, (self.expression(query),))]
        with self.conn.transaction():
            self.conn.execute("SET LOCAL enable_seqscan = off")
            return [r[0] for r in self.conn.execute(sql, (self.expression(query),))]


# --------------------------------------------------------------------------------------------------
# measuring


def verify(variant: Variant, queries: Iterable[tuple[str, Query]], truth: dict[str, set[int]]) -> int:
    checked = 0
    for text, query in queries:
        got = variant.run(query, None)
        assert len(got) == len(set(got)), (variant.db, variant.key, text, "duplicates")
        assert set(got) == truth[text], (variant.db, variant.key, text, len(got), len(truth[text]))
        capped = variant.run(query, CAP)
        assert len(capped) == min(CAP, len(truth[text])) and set(capped) <= truth[text], (variant.key, text)
        checked += 1
    return checked


def time_queries(variant: Variant, pool: Sequence[tuple[str, Query]], count: int) -> list[float]:
    for _, query in pool:  # warm up
        variant.run(query, CAP)
    times = []
    for i in range(count):
        query = pool[i % len(pool)][1]
        start = time.perf_counter()
        variant.run(query, CAP)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="documents (default 100,000)")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--queries", type=int, default=200, help="timed queries per class (default 200)")
    parser.add_argument("--pg-dsn", default="host=127.0.0.1 port=5432 user=postgres dbname=tsunagu_bench_index")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--variants", default="ABCDEFG", help="variant letters to run (default all)")
    args = parser.parse_args()

    log(f"generating {args.n:,} documents")
    docs = make_documents(args.n, args.seed)
    chars = statistics.mean(len(n) + len(d) for n, d in docs)
    start = time.perf_counter()
    interned: dict[str, str] = {}
    tokens = [frozenset(interned.setdefault(t, t) for t in index_tokens(f"{n}\n{d}")) for n, d in docs]
    tokenise_s = time.perf_counter() - start
    postings = sum(len(t) for t in tokens)
    log(f"tokenised in {tokenise_s:.1f} s: {postings:,} postings, {len(interned):,} distinct tokens")

    queries = {cls: [(q, query_tokens(q)) for q in pool] for cls, pool in QUERY_CLASSES.items()}
    all_queries = [item for pool in queries.values() for item in pool]
    truth = {text: {i for i, toks in enumerate(tokens) if query.matches(toks)} for text, query in all_queries}
    hits = {cls: statistics.median(len(truth[q]) for q, _ in pool) for cls, pool in queries.items()}

    variants: list[Variant] = []
    table_bytes: dict[str, int] = {}
    table_build: dict[str, float] = {}
    pg_conn = None
    if not args.no_sqlite:
        directory = Path(os.environ.get("TSUNAGU_VAR_DIR", "/tmp/tsunagu-bench")) / "search-index"
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        sdocs = SqliteDocs(directory)
        table_build["SQLite"] = sdocs.build(docs)
        table_bytes["SQLite"] = sdocs.bytes
        variants += [
            v
            for v in (SqlitePostings(directory, False), SqlitePostings(directory, True), SqliteFts(directory))
            if v.key in args.variants
        ]
    if not args.no_pg:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict

        info = conninfo_to_dict(args.pg_dsn)
        name = str(info["dbname"])
        assert "bench" in name, "the PostgreSQL database name must contain 'bench'"
        with psycopg.connect(**{**info, "dbname": "postgres"}, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
        pg_conn = psycopg.connect(args.pg_dsn, autocommit=True)
        pdocs = PgDocs(pg_conn)
        table_build["PostgreSQL"] = pdocs.build(docs)
        table_bytes["PostgreSQL"] = pdocs.bytes
        pg_variants: list[Variant] = [
            PgPostings(pg_conn, False),
            PgPostings(pg_conn, True),
            PgGin(pg_conn, False),
            PgGin(pg_conn, True),
        ]
        for kind in ("int4", "tsvector"):
            pg_variants += [
                PgBoolean(pg_conn, kind, plan_control=False, ordered=False),
                PgBoolean(pg_conn, kind, plan_control=True, ordered=False),
                PgBoolean(pg_conn, kind, plan_control=True, ordered=True),
            ]
        variants += [v for v in pg_variants if v.key in args.variants]

    rows = []
    for variant in variants:
        log(f"{variant.db} {variant.key} {variant.label}: building")
        start = time.perf_counter()
        variant.build(docs, tokens)
        build_s = time.perf_counter() - start
        size = variant.size()
        log(f"  built in {build_s:.1f} s, {mb(size)}; verifying")
        checked = verify(variant, all_queries, truth)
        latencies = {cls: time_queries(variant, pool, args.queries) for cls, pool in queries.items()}
        rows.append((variant, build_s, size, checked, latencies))
        log(
            "  "
            + ", ".join(f"{c}: {statistics.median(v):.2f}/{percentile(v, 0.95):.2f} ms" for c, v in latencies.items())
        )

    print(f"\nDate {time.strftime('%Y-%m-%d')}; {platform.python_implementation()} {platform.python_version()},")
    print(f"SQLite {sqlite3.sqlite_version}, nproc {os.cpu_count()}.")
    if pg_conn is not None:
        version = pg_conn.execute("SELECT version()").fetchone()
        assert version is not None
        print(version[0])
    print(
        f"\n{args.n:,} documents, {chars:.0f} characters on average; tokenised (index_tokens, one process) in "
        f"{tokenise_s:.1f} s ({args.n / tokenise_s:,.0f} documents/s): {postings:,} postings "
        f"({postings / args.n:.0f} per document), {len(interned):,} distinct tokens."
    )
    for db, size in table_bytes.items():
        print(f"- {db} documents table (id, name, description): {mb(size)}, loaded in {table_build[db]:.1f} s")
    print("\nMedian hits (uncapped) per class: " + ", ".join(f"{c} {h:,.0f}" for c, h in hits.items()))
    print(
        f"\nLatency: {args.queries} capped queries (LIMIT {CAP}) per class, cycling over the class's pool, "
        "median / p95 in ms. Correctness: every query of every pool (uncapped) equals Query.matches in Python."
    )
    classes = list(QUERY_CLASSES)
    print("\n| database | variant | build | size | × table | " + " | ".join(classes) + " | verified |")
    print("| --- | --- | ---: | ---: | ---: | " + " | ".join("---:" for _ in classes) + " | ---: |")
    for variant, build_s, size, checked, latencies in rows:
        ratio = size / table_bytes[variant.db]
        cells = " | ".join(f"{statistics.median(v):.2f} / {percentile(v, 0.95):.2f}" for v in latencies.values())
        note = variant.size_note()
        print(
            f"| {variant.db} | {variant.key}: {variant.label} | {build_s:.1f} s | {mb(size)}"
            f"{' (' + note + ')' if note else ''} | {ratio:.2f}× | {cells} | {checked} |"
        )
    if pg_conn is not None:
        pg_conn.close()


if __name__ == "__main__":
    main()
