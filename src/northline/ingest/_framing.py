"""Cut a byte stream of concatenated CoT documents into one chunk per message.

CoT over TCP (and in files) is ``<event>…</event>`` documents back to back, each optionally
preceded by an ``<?xml …?>`` declaration (and, from hostile senders, a ``<!DOCTYPE …>``). The
framer looks only for four tokens, wherever they appear::

    <?xml   <!DOCTYPE   <event   </event

A message is an optional prolog (XML declaration, DOCTYPE, comments, processing instructions)
followed by ``<event`` … ``</event>``. A new ``<event``, ``<?xml`` or ``<!DOCTYPE`` before
``</event>`` ends the message early: the truncated message becomes its own chunk and the new
one starts clean. Anything else between messages (garbage, a stray end tag, another element,
a prolog followed by junk) becomes its own chunk too, so it is quarantined instead of spoiling
the message after it. Whitespace between messages is dropped.

The framer does not parse XML: comments and CDATA sections that contain the literal text of a
token split the message there (no CoT producer writes that; the pieces are quarantined).

Chunks do not depend on how the stream was split into ``feed`` calls. A message of
``max_message_bytes`` or more is cut to its first ``max_message_bytes`` bytes (the decoder
quarantines it as ``oversize``) and the rest of it is dropped and counted in
``discarded_bytes``, so memory stays bounded whatever the sender does.
"""

from __future__ import annotations

import re
from itertools import repeat
from operator import add, itemgetter, methodcaller

from ..model import InvalidInput

__all__ = ["MAX_MESSAGE_BYTES", "CotFramer"]

MAX_MESSAGE_BYTES = 1 << 20
"""Messages this long or longer are quarantined as oversize (1 MiB)."""

_MIN_MESSAGE_BYTES = 16
_TOKEN = re.compile(rb"<(?:\?xml[ \t\r\n?]|!DOCTYPE|event[ \t\r\n/>]|/event[ \t\r\n>])")
_NON_WS = re.compile(rb"[^ \t\r\n]")
_MARGIN = 8  # a token that starts this close to the end of the buffer may be incomplete
# Whitespace, processing instructions, comments and DOCTYPEs only: what may precede <event>.
# Possessive quantifiers and atomic groups keep hostile input from making it backtrack.
_PROLOG = re.compile(
    rb"(?:[ \t\r\n]++|(?><\?[A-Za-z_:\x80-\xff].*?\?>)|(?><!--.*?-->)"
    rb"|(?><!DOCTYPE(?:[^\[\"'>]++|\"[^\"]*+\"|'[^']*+'"
    rb"|\[(?:[^\]\"']++|\"[^\"]*+\"|'[^']*+')*+\])*+>))*+",
    re.DOTALL,
)
_END, _DECL, _EVENT = ord("/"), ord("?"), ord("e")
_CLOSE = b"</event>"
_RUN_BYTES = 1 << 16  # how much :meth:`CotFramer._run` cuts at a time
_START_TAGS = frozenset(b"<event" + bytes([c]) for c in b" \t\r\n/>")  # as _TOKEN has them
_HEAD = itemgetter(slice(7))
_LSTRIP = methodcaller("lstrip", b" \t\r\n")


class CotFramer:
    """Incremental splitter of a CoT byte stream; see the module docstring for the rules.

    >>> framer = CotFramer()
    >>> framer.feed(b'<event uid="a"><point/></event><event uid="b">')
    [b'<event uid="a"><point/></event>']
    >>> framer.close()
    [b'<event uid="b">']

    A run of plain events (each ``<event`` … ``</event>`` with no other token in it, only
    whitespace between them) is cut with a few C-level passes over the bytes instead of
    token by token; it gives the same chunks, and anything else is left to the tokenizer.
    """

    _runs = True  # cut plain runs at once (False: token by token, as tests compare)

    def __init__(self, *, max_message_bytes: int = MAX_MESSAGE_BYTES) -> None:
        if max_message_bytes < _MIN_MESSAGE_BYTES:
            raise InvalidInput(
                f"max_message_bytes must be at least {_MIN_MESSAGE_BYTES}",
                field="max_message_bytes",
            )
        self.max_message_bytes = max_message_bytes
        self.messages = 0
        """Chunks handed out so far."""
        self.oversize = 0
        """Messages cut to ``max_message_bytes``."""
        self.discarded_bytes = 0
        """Bytes of oversize messages beyond the kept first ``max_message_bytes``."""
        self._reset()

    def _reset(self) -> None:
        self._buf = bytearray()
        self._base = 0  # stream offset of _buf[0]
        self._start = 0  # where the pending message begins in _buf
        self._scan = 0  # where the next token search begins in _buf
        self._inside = False  # the pending message has its <event start tag
        self._in_end_tag = False  # after "</event" + whitespace, waiting for ">"
        self._discarding = False  # the pending message was oversize; its head is out
        self._discard_mark = 0  # stream offset where the kept head of that message ended
        self._plain_from = 0  # stream offset before which _run found no plain run

    @property
    def buffered_bytes(self) -> int:
        """Bytes held while waiting for the rest of a message."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes]:
        """Add bytes from the stream; return the messages they complete."""
        out: list[bytes] = []
        buf = self._buf
        buf += data
        pos = self._scan
        while True:
            if self._runs and not (self._inside or self._in_end_tag or self._discarding):
                pos = self._run(out, pos)
            if self._in_end_tag:
                ws_end = _NON_WS.search(buf, pos)
                if ws_end is None:
                    pos = len(buf)
                    break
                end = ws_end.start()
                if buf[end] == ord(">"):
                    end += 1  # else a malformed end tag: cut before whatever follows
                self._in_end_tag = False
                self._cut(out, end)
                pos = end
                continue
            m = _TOKEN.search(buf, pos)
            if m is None:
                pos = max(pos, len(buf) - _MARGIN)
                break
            tok, pos = m.start(), m.end()
            kind = buf[tok + 1]
            if kind == _END:
                if self._inside:
                    if buf[pos - 1] == ord(">"):
                        self._cut(out, pos)
                    else:
                        self._in_end_tag = True
                continue  # a stray end tag outside a message is garbage, left in the region
            if self._inside:
                self._cut(out, tok)  # truncated: a new message starts before </event>
            self._settle(out, tok, is_decl=kind == _DECL)
            if kind == _EVENT:
                self._inside = True
        self._scan = pos
        self._bound(out)
        return out

    def close(self) -> list[bytes]:
        """End of stream: return what is left as a last (possibly broken) message."""
        out: list[bytes] = []
        if self._discarding:
            self.discarded_bytes += max(0, self._base + len(self._buf) - self._discard_mark)
        else:
            first = _NON_WS.search(self._buf, self._start)
            if first is not None:
                self._emit(out, first.start(), len(self._buf))
        self._reset()
        return out

    # -- internals ---------------------------------------------------------------------------

    def _run(self, out: list[bytes], pos: int) -> int:
        """Outside a message with nothing pending, cut the plain events from ``pos`` on
        as the tokenizer would; return where the tokenizer is to go on."""
        buf = self._buf
        if self._base + pos < self._plain_from or _NON_WS.search(buf, self._start, pos):
            return pos
        while True:
            last = buf.rfind(_CLOSE, pos, pos + _RUN_BYTES)
            if last < 0:
                return pos
            end = last + len(_CLOSE)
            block = bytes(buf[pos:last])
            pieces = block.split(_CLOSE)
            k = len(pieces)
            # Each piece is whitespace, then "<event" and the rest of its start tag; "event"
            # nowhere else (so no other <event or </event token), nor "<?" or "<!".
            starts = list(map(_LSTRIP, pieces))
            if (
                block.count(b"event") != 2 * k - 1  # k starts and the k - 1 ends split at
                or (b"?" in block and b"<?" in block)  # one byte is faster to look for
                or (b"!" in block and b"<!" in block)
                or not set(map(_HEAD, starts)) <= _START_TAGS
                or max(map(len, starts)) + len(_CLOSE) >= self.max_message_bytes
            ):
                self._plain_from = self._base + end  # not again before the end of this run
                return pos
            out += map(add, starts, repeat(_CLOSE))
            self.messages += k
            self._start = pos = end

    def _emit(self, out: list[bytes], a: int, b: int) -> None:
        if b - a >= self.max_message_bytes:
            b_kept = a + self.max_message_bytes
            self.oversize += 1
            self.discarded_bytes += b - b_kept
            b = b_kept
        out.append(bytes(self._buf[a:b]))
        self.messages += 1

    def _end_discard(self, at: int) -> None:
        self.discarded_bytes += max(0, self._base + at - self._discard_mark)
        self._discarding = False

    def _cut(self, out: list[bytes], end: int) -> None:
        """The pending message ends at ``end``."""
        if self._discarding:
            self._end_discard(end)
        else:
            self._emit(out, self._start, end)
        self._start = end
        self._inside = False

    def _settle(self, out: list[bytes], tok: int, *, is_decl: bool) -> None:
        """Outside a message, a message start at ``tok``: keep the region before it as the
        new message's prolog, or hand it out on its own if it is not one."""
        if self._discarding:  # an oversize region outside a message is never a prolog
            self._end_discard(tok)
            self._start = tok
            return
        first = _NON_WS.search(self._buf, self._start, tok)
        if first is None:
            self._start = tok
        elif (
            is_decl
            or tok - first.start() >= self.max_message_bytes
            or _PROLOG.fullmatch(self._buf, first.start(), tok) is None
        ):
            self._emit(out, first.start(), tok)
            self._start = tok
        else:
            self._start = first.start()

    def _bound(self, out: list[bytes]) -> None:
        """Drop leading whitespace, enforce the size limit and trim the buffer."""
        buf = self._buf
        if not self._discarding:
            if not self._inside:
                first = _NON_WS.search(buf, self._start)
                self._start = len(buf) if first is None else first.start()
            committed = len(buf) if self._in_end_tag else len(buf) - _MARGIN
            if committed - self._start >= self.max_message_bytes:
                self._discard_mark = self._base + self._start + self.max_message_bytes
                out.append(bytes(buf[self._start : self._start + self.max_message_bytes]))
                self.messages += 1
                self.oversize += 1
                self._discarding = True
        if self._discarding:
            self._start = self._scan  # nothing before the scan point is needed any more
        keep_from = min(self._start, self._scan)
        if keep_from:
            del buf[:keep_from]
            self._base += keep_from
            self._start -= keep_from
            self._scan -= keep_from
