"""Parsing with limits on the number and the length of tokens, cached by document text."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from graphql import DocumentNode, GraphQLSyntaxError, Source
from graphql.language import Token
from graphql.language.parser import Parser

from api.limits.shape import Shape, measure


class _LimitedParser(Parser):
    """graphql-core's parser, refusing any token (string, name, comment) over a length."""

    def __init__(self, source: Source, *, max_tokens: int, max_token_length: int) -> None:
        super().__init__(source, no_location=False, max_tokens=max_tokens)
        self._max_token_length = max_token_length

    def advance_lexer(self) -> None:
        previous: Token | None = self._lexer.token
        super().advance_lexer()
        token = self._lexer.token
        # Comments the lexer skipped sit between the previous token and the new one.
        current = previous.next if previous is not None else token
        while current is not None:
            if current.end - current.start > self._max_token_length:
                raise GraphQLSyntaxError(
                    self._lexer.source,
                    current.start,
                    f"A token is {current.end - current.start} characters long; "
                    f"the limit is {self._max_token_length}.",
                )
            if current is token:
                break
            current = current.next


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    document: DocumentNode
    shape: Shape


class DocumentCache:
    """Parsed and measured documents by text. Storefronts send the same few documents over
    and over, so parsing and measuring happen once per document, not once per request."""

    def __init__(self, *, max_tokens: int, max_token_length: int, size: int = 256) -> None:
        self._max_tokens = max_tokens
        self._max_token_length = max_token_length
        self._size = size
        self._entries: OrderedDict[str, ParsedDocument] = OrderedDict()

    def get(self, query: str) -> ParsedDocument:
        """The parsed document; raises GraphQLSyntaxError (or ShapeError) for bad ones."""
        entry = self._entries.get(query)
        if entry is not None:
            self._entries.move_to_end(query)
            return entry
        parser = _LimitedParser(
            Source(query),
            max_tokens=self._max_tokens,
            max_token_length=self._max_token_length,
        )
        try:
            document = parser.parse_document()
        except RecursionError:
            # graphql-core's parser refuses selections nested deeper than 200 levels this way.
            raise GraphQLSyntaxError(
                Source(query), 0, "The document nests selections too deeply."
            ) from None
        entry = ParsedDocument(document, measure(document))
        self._entries[query] = entry
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return entry
