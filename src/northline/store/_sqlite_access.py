"""The SQLite store's records of oversight: alert events, users, tokens and the audit log.

:class:`AccessMixin` is mixed into :class:`~northline.store.SQLiteStore`; it uses the store's
connection and its ``alert`` read, and keeps the head of the audit chain in memory (read again
whenever the store is opened, and whenever another connection has appended in between).

The audit chain: each line's ``hash`` is :func:`audit_hash` of the line, that is SHA-256 of
the UTF-8 of the canonical JSON (keys sorted, no spaces, ``ensure_ascii=False``) of ``seq``,
``t_s`` (a float), ``actor``, ``action``, ``record_kind``, ``record_id``, ``detail`` and
``prev_hash``; the first line's ``prev_hash`` is :data:`GENESIS_HASH`.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sqlite3
from typing import Any

from ..model import (
    Alert,
    AlertAction,
    AlertEvent,
    AlertState,
    AuditEntry,
    AuditReport,
    Conflict,
    InvalidInput,
    NotFound,
    Role,
    User,
)
from ._sqlite_util import write_transaction

__all__ = ["GENESIS_HASH", "TOKEN_KINDS", "AccessMixin", "audit_hash"]

GENESIS_HASH = "0" * 64
TOKEN_KINDS = ("session", "api")
_TOKEN_HASH = re.compile(r"^[0-9a-f]{32,128}$")
_EVENT = (
    "event_id", "alert_id", "t_s", "action", "actor", "state", "assignee", "outcome", "note",
)  # fmt: skip
_USER = ("user_id", "name", "role", "agency", "country", "disabled", "created_t_s")
_AUDIT = (
    "seq", "t_s", "actor", "action", "record_kind", "record_id", "detail", "prev_hash", "hash",
)  # fmt: skip
_AUDIT_RETRIES = 100


def audit_hash(
    *,
    seq: int,
    t_s: float,
    actor: str,
    action: str,
    record_kind: str,
    record_id: str,
    detail: str,
    prev_hash: str,
) -> str:
    """The hash of one audit line: SHA-256 hex of its canonical JSON (every field but hash)."""
    canonical = json.dumps(
        {
            "seq": int(seq),
            "t_s": float(t_s),
            "actor": actor,
            "action": action,
            "record_kind": record_kind,
            "record_id": record_id,
            "detail": detail,
            "prev_hash": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _event(r: tuple[Any, ...]) -> AlertEvent:
    return AlertEvent(
        event_id=r[0],
        alert_id=r[1],
        t_s=r[2],
        action=AlertAction(r[3]),
        actor=r[4],
        state=AlertState(r[5]),
        assignee=r[6],
        outcome=r[7],
        note=r[8],
    )


def _user(r: tuple[Any, ...]) -> User:
    return User(
        user_id=r[0],
        name=r[1],
        role=Role(r[2]),
        agency=r[3],
        country=r[4],
        disabled=bool(r[5]),
        created_t_s=r[6],
    )


def _entry(r: tuple[Any, ...]) -> AuditEntry:
    return AuditEntry(
        seq=int(r[0]),
        t_s=r[1],
        actor=r[2],
        action=r[3],
        record_kind=r[4],
        record_id=r[5],
        detail=r[6],
        prev_hash=r[7],
        hash=r[8],
    )


class AccessMixin:
    """Alert events, users, tokens and the audit log of :class:`SQLiteStore`."""

    _conn: sqlite3.Connection
    _audit_next_seq: int
    _audit_head: str

    def alert(self, alert_id: str) -> Alert:  # pragma: no cover - SQLiteStore's is used
        raise NotImplementedError

    # -- alert events --------------------------------------------------------------------------

    def add_alert_event(self, event: AlertEvent) -> Alert:
        row = (
            event.event_id, event.alert_id, float(event.t_s), AlertAction(event.action).value,
            event.actor, AlertState(event.state).value, event.assignee, event.outcome, event.note,
        )  # fmt: skip
        sql = f"INSERT INTO alert_events ({', '.join(_EVENT)}) VALUES ({', '.join('?' * 9)})"
        with write_transaction(self._conn) as conn:
            known = conn.execute("SELECT 1 FROM alerts WHERE alert_id = ?", (event.alert_id,))
            if known.fetchone() is None:
                raise NotFound(f"no alert {event.alert_id!r}", alert_id=event.alert_id)
            try:
                conn.execute(sql, row)
            except sqlite3.IntegrityError as exc:
                raise Conflict(
                    f"alert event {event.event_id!r} is already stored",
                    event_id=event.event_id,
                ) from exc
        return self.alert(event.alert_id)

    def alert_events(self, alert_id: str | None = None) -> list[AlertEvent]:
        where, params = ("", ()) if alert_id is None else (" WHERE alert_id = ?", (alert_id,))
        sql = f"SELECT {', '.join(_EVENT)} FROM alert_events{where} ORDER BY seq"
        return [_event(r) for r in self._conn.execute(sql, params)]

    # -- users and tokens ----------------------------------------------------------------------

    def add_user(self, user: User, password_hash: str | None = None) -> None:
        row = (
            user.user_id, user.name, Role(user.role).value, user.agency, user.country,
            int(user.disabled), float(user.created_t_s), password_hash,
        )  # fmt: skip
        try:
            with write_transaction(self._conn) as conn:
                conn.execute(
                    f"INSERT INTO users ({', '.join(_USER)}, password_hash) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
        except sqlite3.IntegrityError as exc:
            raise Conflict(f"user id {user.user_id!r} is taken", user_id=user.user_id) from exc

    def user(self, user_id: str) -> User:
        r = self._conn.execute(
            f"SELECT {', '.join(_USER)} FROM users WHERE user_id = ?", (user_id,)
        ).fetchone()
        if r is None:
            raise NotFound(f"no user {user_id!r}", user_id=user_id)
        return _user(r)

    def users(self) -> list[User]:
        sql = f"SELECT {', '.join(_USER)} FROM users ORDER BY created_t_s, rowid"
        return [_user(r) for r in self._conn.execute(sql)]

    def set_user_disabled(self, user_id: str, disabled: bool) -> User:
        with write_transaction(self._conn) as conn:
            cur = conn.execute(
                "UPDATE users SET disabled = ? WHERE user_id = ?", (int(disabled), user_id)
            )
            if cur.rowcount == 0:
                raise NotFound(f"no user {user_id!r}", user_id=user_id)
        return self.user(user_id)

    def password_hash(self, user_id: str) -> str | None:
        r = self._conn.execute(
            "SELECT password_hash FROM users WHERE user_id = ?", (user_id,)
        ).fetchone()
        return None if r is None else r[0]

    def add_token(
        self,
        token_hash: str,
        user_id: str,
        *,
        kind: str,
        expires_t_s: float | None,
        label: str = "",
    ) -> None:
        if not _TOKEN_HASH.match(token_hash):
            raise InvalidInput(
                "a token is kept by its hash: 32 to 128 lower-case hex digits", field="token_hash"
            )
        if kind not in TOKEN_KINDS:
            raise InvalidInput(f"token kind {kind!r} is not one of {TOKEN_KINDS}", field="kind")
        expires = None if expires_t_s is None else float(expires_t_s)
        with write_transaction(self._conn) as conn:
            if conn.execute("SELECT 1 FROM users WHERE user_id = ?", (user_id,)).fetchone() is None:
                raise NotFound(f"no user {user_id!r}", user_id=user_id)
            try:
                conn.execute(
                    "INSERT INTO tokens (token_hash, user_id, kind, expires_t_s, label) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (token_hash, user_id, kind, expires, label),
                )
            except sqlite3.IntegrityError as exc:
                raise Conflict("this token is already stored", user_id=user_id) from exc

    def token_user(self, token_hash: str, now_t_s: float) -> User | None:
        columns = ", ".join(f"u.{c}" for c in _USER)
        r = self._conn.execute(
            f"SELECT {columns} FROM tokens t JOIN users u ON u.user_id = t.user_id "
            "WHERE t.token_hash = ? AND t.revoked = 0 AND u.disabled = 0 "
            "AND (t.expires_t_s IS NULL OR t.expires_t_s > ?)",
            (token_hash, float(now_t_s)),
        ).fetchone()
        return None if r is None else _user(r)

    def revoke_token(self, token_hash: str) -> bool:
        with write_transaction(self._conn) as conn:
            cur = conn.execute(
                "UPDATE tokens SET revoked = 1 WHERE token_hash = ? AND revoked = 0", (token_hash,)
            )
            return cur.rowcount > 0

    # -- the audit log -------------------------------------------------------------------------

    def _read_audit_head(self) -> None:
        """The next line's seq and prev_hash, from the database (at open, or after a race)."""
        self._audit_next_seq, self._audit_head = 1, GENESIS_HASH
        if (
            self._conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'audit_log'").fetchone()
            is None
        ):  # a store opened with fewer migrations (tests)
            return
        last = self._conn.execute(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        high = self._conn.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'"
        ).fetchone()
        last_seq, self._audit_head = (0, GENESIS_HASH) if last is None else last
        self._audit_next_seq = max(int(last_seq), 0 if high is None else int(high[0])) + 1

    def append_audit(
        self,
        *,
        t_s: float,
        actor: str,
        action: str,
        record_kind: str,
        record_id: str,
        detail: str = "",
    ) -> AuditEntry:
        t = float(t_s)
        if not math.isfinite(t):
            raise InvalidInput(f"audit time {t_s!r} is not a finite number", field="t_s")
        sql = f"INSERT INTO audit_log ({', '.join(_AUDIT)}) VALUES ({', '.join('?' * 9)})"
        for _ in range(_AUDIT_RETRIES):
            entry = AuditEntry(
                seq=self._audit_next_seq, t_s=t, actor=actor, action=action,
                record_kind=record_kind, record_id=record_id, detail=detail,
                prev_hash=self._audit_head, hash="",
            )  # fmt: skip
            fields = {k: getattr(entry, k) for k in _AUDIT[:-1]}
            entry = AuditEntry(**fields, hash=audit_hash(**fields))
            try:
                self._conn.execute(sql, tuple(getattr(entry, k) for k in _AUDIT))
            except sqlite3.IntegrityError as exc:
                taken = self._conn.execute(
                    "SELECT 1 FROM audit_log WHERE seq = ?", (entry.seq,)
                ).fetchone()
                if taken is None:
                    raise InvalidInput(f"cannot append to the audit log: {exc}") from exc
                self._read_audit_head()  # another connection wrote this seq first
                continue
            self._audit_next_seq, self._audit_head = entry.seq + 1, entry.hash
            return entry
        raise Conflict("could not append to the audit log: too many concurrent writers")

    def audit_entries(self, *, after_seq: int = 0, limit: int | None = None) -> list[AuditEntry]:
        if limit is not None and limit < 0:
            raise InvalidInput(f"limit {limit} is negative", field="limit")
        sql = f"SELECT {', '.join(_AUDIT)} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?"
        rows = self._conn.execute(sql, (int(after_seq), -1 if limit is None else int(limit)))
        return [_entry(r) for r in rows]

    def verify_audit(self) -> AuditReport:
        total = int(self._conn.execute("SELECT count(*) FROM audit_log").fetchone()[0])
        expected_seq, prev_hash = 1, GENESIS_HASH
        rows = self._conn.execute(f"SELECT {', '.join(_AUDIT)} FROM audit_log ORDER BY seq")
        for r in rows:
            e = _entry(r)
            problem = ""
            if e.seq != expected_seq:
                problem = (
                    f"line(s) {expected_seq}–{e.seq - 1} removed: seq jumps from "
                    f"{expected_seq - 1} to {e.seq}"
                )
            elif e.prev_hash != prev_hash:
                problem = (
                    f"line {e.seq} does not follow line {e.seq - 1}: prev_hash mismatch "
                    "(a line inserted or reordered)"
                )
            elif e.hash != audit_hash(**{k: getattr(e, k) for k in _AUDIT[:-1]}):
                problem = f"line {e.seq} was edited: its hash does not match its content"
            if problem:
                bad = expected_seq if e.seq != expected_seq else e.seq
                return AuditReport(ok=False, entries=total, first_bad_seq=bad, problem=problem)
            expected_seq, prev_hash = e.seq + 1, e.hash
        high = self._conn.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'"
        ).fetchone()
        if high is not None and int(high[0]) >= expected_seq:
            return AuditReport(
                ok=False,
                entries=total,
                first_bad_seq=expected_seq,
                problem=f"lines {expected_seq}–{int(high[0])} removed from the end of the log",
            )
        return AuditReport(ok=True, entries=total)
