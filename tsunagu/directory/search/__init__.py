"""Directory search: Japanese-aware text normalisation and tokenisation (see ``text``)."""

from tsunagu.directory.search.text import Query, Term, index_tokens, normalise, query_tokens

__all__ = ["Query", "Term", "index_tokens", "normalise", "query_tokens"]
