"""The gazetteer of English local authorities with children's services (seeds/authorities.toml).

Pure: loading validates the file and builds the indexes; lookups touch no I/O.

- `Gazetteer.by_code` finds an authority by its ONS code (or an earlier code of the same one).
- `Gazetteer.resolve` finds the one authority a name denotes, ignoring case, apostrophes, a
  leading "the", "&"/"and", "St."/"St", hyphens, commas and spacing.
- `Gazetteer.find_mentions` finds every alias in a text in one regex pass. The regex is a trie
  of all aliases (so at each word start `re` follows one branch per character instead of
  trying a thousand alternatives), longest alias first, bounded by non-word characters.
  A match whose first letter is lower case is not a mention ("reading the report", "a ship's
  hull", "working together for children"): names are capitalised in edited text. Phrases
  listed in `non_authority_phrases` ("Bury St Edmunds", "New York") swallow the alias inside
  them. A mention of an alias marked ambiguous ("Reading", "Durham") needs context before it
  counts; deciding that, and which authority a story is about, is for the caller.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from monitor.errors import SeedError

REGIONS = frozenset(
    {
        "North East",
        "North West",
        "Yorkshire and the Humber",
        "East Midlands",
        "West Midlands",
        "East of England",
        "London",
        "South East",
        "South West",
    }
)
# The types a code's prefix allows.
TYPES_BY_PREFIX: Mapping[str, frozenset[str]] = {
    "E06": frozenset({"unitary authority", "isles of scilly"}),
    "E08": frozenset({"metropolitan district"}),
    "E09": frozenset({"london borough", "city of london"}),
    "E10": frozenset({"county"}),
}
TYPES = frozenset().union(*TYPES_BY_PREFIX.values())
CODE = re.compile(r"E(?:06|08|09|10)\d{6}")

_AUTHORITY_KEYS = frozenset(
    {
        "code",
        "name",
        "region",
        "type",
        "aliases",
        "ambiguous",
        "former",
        "until",
        "succeeded_by",
        "previous_codes",
        "note",
    }
)
_SHARED_KEYS = frozenset({"name", "authorities", "note"})
_TOP_KEYS = frozenset({"authorities", "shared", "non_authority_phrases"})

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‛": "'", "`": "'", "´": "'"})
_SEPARATORS = "\\s,\\-‐‑‒–—"
_SEPARATOR_RUN = re.compile(f"[{_SEPARATORS}]+")
_DROPPED = re.compile(r"['.]")
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
# ONS writes some names inverted: "Bristol, City of", "Herefordshire, County of".
_ONS_INVERSION = re.compile(r",\s*(?:city|county) of$", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def name_key(name: str) -> str:
    """The form two names share when they are the same name: "The London Borough of
    Hackney" and "london borough of  hackney", "St. Helens" and "St Helens", "Brighton & Hove"
    and "Brighton and Hove", "Stockton-on-Tees" and "Stockton on Tees"."""
    text = unicodedata.normalize("NFKC", name).casefold().translate(_QUOTES)
    text = _DROPPED.sub("", text.replace("&", " and "))
    text = _SEPARATOR_RUN.sub(" ", text).strip()
    return text.removeprefix("the ")


@dataclass(frozen=True)
class Authority:
    code: str
    name: str
    region: str
    type: str
    # The canonical name first, then the other aliases as written in the seed file.
    aliases: tuple[str, ...]
    # Those aliases that need context (a subset of `aliases`).
    ambiguous: frozenset[str] = frozenset()
    former: bool = False
    until: int | None = None
    succeeded_by: tuple[str, ...] = ()
    previous_codes: tuple[str, ...] = ()
    note: str = ""

    @property
    def current(self) -> bool:
        return not self.former


@dataclass(frozen=True)
class Shared:
    """A name for a body serving several authorities (e.g. a company several councils own)."""

    name: str
    codes: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    # The text as it is in the article, text[start:end].
    text: str
    # The alias (or shared name) it matched, as written in the seed file.
    alias: str
    # One authority for an alias; several for a shared name.
    authorities: tuple[Authority, ...]
    ambiguous: bool

    @property
    def authority(self) -> Authority | None:
        """The authority, unless the name is shared by several."""
        return self.authorities[0] if len(self.authorities) == 1 else None


@dataclass(frozen=True)
class _Entry:
    alias: str
    authorities: tuple[Authority, ...]  # empty for a non-authority phrase
    ambiguous: bool


@dataclass(frozen=True)
class Gazetteer:
    authorities: tuple[Authority, ...]
    shared: tuple[Shared, ...]
    non_authority_phrases: tuple[str, ...]
    _codes: Mapping[str, Authority] = field(repr=False, compare=False)
    _entries: Mapping[str, _Entry] = field(repr=False, compare=False)
    # Case-sensitive, for lower-cased text; and the same with re.IGNORECASE.
    _pattern: re.Pattern[str] = field(repr=False, compare=False)
    _pattern_ignorecase: re.Pattern[str] = field(repr=False, compare=False)

    @property
    def current(self) -> tuple[Authority, ...]:
        return tuple(a for a in self.authorities if not a.former)

    @property
    def former(self) -> tuple[Authority, ...]:
        return tuple(a for a in self.authorities if a.former)

    def by_code(self, code: str) -> Authority | None:
        """The authority with this code, or whose earlier code it was."""
        return self._codes.get(code.strip().upper())

    def current_for(self, code: str) -> tuple[Authority, ...]:
        """The current authorities covering a (possibly former) authority's area."""
        found: dict[str, Authority] = {}
        seen: set[str] = set()
        pending = [code]
        while pending:
            authority = self.by_code(pending.pop(0))
            if authority is None or authority.code in seen:
                continue
            seen.add(authority.code)
            if authority.former:
                pending.extend(authority.succeeded_by)
            else:
                found.setdefault(authority.code, authority)
        return tuple(found.values())

    def _entry(self, name: str) -> _Entry | None:
        name = name.strip()
        entry = self._entries.get(name_key(name))
        for variant in (_POSSESSIVE, _ONS_INVERSION):
            if entry is None and variant.search(name):
                entry = self._entries.get(name_key(variant.sub("", name)))
        return entry

    def resolve(self, name: str) -> Authority | None:
        """The one authority `name` denotes ("Hull", "the London Borough of Hackney",
        "Reading's", ONS's "Bristol, City of"), or None: unknown, a non-authority phrase or
        a shared name."""
        entry = self._entry(name)
        if entry is None or len(entry.authorities) != 1:
            return None
        return entry.authorities[0]

    def resolve_all(self, name: str) -> tuple[Authority, ...]:
        """Every authority `name` denotes: one for an alias, several for a shared name."""
        entry = self._entry(name)
        return () if entry is None else entry.authorities

    def is_ambiguous(self, name: str) -> bool:
        entry = self._entry(name)
        return entry is not None and entry.ambiguous

    def find_mentions(self, text: str) -> list[Mention]:
        """Every alias occurrence in `text`, in order, longest alias at each place."""
        lowered = text.lower()
        if len(lowered) == len(text):
            # Scanning lower-cased text with a case-sensitive pattern is twice as fast as
            # re.IGNORECASE; the offsets are the same when lower() kept the length.
            matches = self._pattern.finditer(lowered)
        else:
            matches = self._pattern_ignorecase.finditer(text)
        mentions: list[Mention] = []
        for match in matches:
            start, end = match.span()
            if text[start].islower():
                continue
            found = text[start:end]
            entry = self._entries.get(name_key(found))
            if entry is None or not entry.authorities:
                continue
            mentions.append(
                Mention(
                    start=start,
                    end=end,
                    text=found,
                    alias=entry.alias,
                    authorities=entry.authorities,
                    ambiguous=entry.ambiguous,
                )
            )
        return mentions


# --- the matching regex ---------------------------------------------------------------------

_SEP = f"[{_SEPARATORS}]+"
_AND = f"(?:[{_SEPARATORS}]*&[{_SEPARATORS}]*|[{_SEPARATORS}]+and[{_SEPARATORS}]+)"
_APOSTROPHE = "['’‘`]?"
_DOT = r"\.?"


def _pieces(name: str) -> list[str]:
    """A name as a sequence of regex atoms, one per character (or separator), for the trie.
    Letters are lower case: the pattern runs on lower-cased text."""
    text = unicodedata.normalize("NFKC", name).lower().translate(_QUOTES)
    words = [w for w in _SEPARATOR_RUN.split(text.replace("&", " & ")) if w]
    if words and words[0] == "the" and len(words) > 1:
        words = words[1:]
    pieces: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if index:
            joining = words[index] in ("and", "&") and index + 1 < len(words)
            pieces.append(_AND if joining else _SEP)
            if joining:
                index += 1
                word = words[index]
        for char in word:
            if char == "'":
                pieces.append(_APOSTROPHE)
            elif char == ".":
                pieces.append(_DOT)
            else:
                pieces.append(re.escape(char))
        if word == "st":
            pieces.append(_DOT)
        index += 1
    return pieces


class _Node:
    __slots__ = ("children", "terminal")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.terminal = False


def _trie_regex(node: _Node) -> str:
    branches = [piece + _trie_regex(child) for piece, child in node.children.items()]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if node.terminal:
        # Greedy: the longer alias is tried first, the shorter one if it fails.
        return f"(?:{body})?"
    return body


def _source(names: Iterable[str]) -> str:
    root = _Node()
    for name in names:
        node = root
        for piece in _pieces(name):
            node = node.children.setdefault(piece, _Node())
        node.terminal = True
    # The pattern never matches the empty string (the root is not terminal).
    return rf"(?<!\w)(?:{_trie_regex(root)})(?!\w)"


# --- loading and validation -----------------------------------------------------------------


def load_gazetteer(path: Path | str) -> Gazetteer:
    """Read and validate an authorities.toml file; SeedError names the file and the entry."""
    path = Path(path)
    try:
        document = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SeedError(f"{path}: cannot read the gazetteer: {exc}") from exc
    return parse_gazetteer(document, str(path))


def parse_gazetteer(document: str, source: str = "authorities.toml") -> Gazetteer:
    try:
        data = tomllib.loads(document)
    except tomllib.TOMLDecodeError as exc:
        raise SeedError(f"{source}: not valid TOML: {exc}") from exc
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise SeedError(f"{source}: unknown top-level keys {sorted(unknown)}")
    items = data.get("authorities")
    if not isinstance(items, list) or not items:
        raise SeedError(f"{source}: no [[authorities]] defined")
    authorities = [_authority(source, number, item) for number, item in enumerate(items, 1)]

    codes: dict[str, Authority] = {}
    for authority in authorities:
        for code in (authority.code, *authority.previous_codes):
            if code in codes:
                other = codes[code]
                raise SeedError(
                    f"{source}: code {code} appears twice: {other.name!r} and {authority.name!r}"
                )
            codes[code] = authority
    for authority in authorities:
        for successor in authority.succeeded_by:
            target = codes.get(successor)
            if target is None or target.code != successor:
                raise SeedError(
                    f"{source}: authority {authority.code} ({authority.name}): succeeded_by"
                    f" {successor} is not the code of an authority in the file"
                )
            if successor == authority.code:
                raise SeedError(
                    f"{source}: authority {authority.code} ({authority.name}) succeeds itself"
                )

    entries: dict[str, _Entry] = {}
    owners: dict[str, str] = {}  # key -> who claimed it, for messages
    for authority in authorities:
        ambiguous_keys = {name_key(a) for a in authority.ambiguous}
        for alias in authority.aliases:
            key = name_key(alias)
            claimed = owners.get(key)
            if claimed is not None and claimed != authority.code:
                raise SeedError(
                    f"{source}: alias {alias!r} of {authority.code} ({authority.name}) also"
                    f" names {claimed} ({codes[claimed].name})"
                )
            if claimed is None:
                owners[key] = authority.code
                entries[key] = _Entry(alias, (authority,), key in ambiguous_keys)

    shared = [
        _shared(source, number, item, codes, owners)
        for number, item in enumerate(_table_list(data, "shared", source), 1)
    ]
    for group in shared:
        key = name_key(group.name)
        owners[key] = f"shared name {group.name!r}"
        entries[key] = _Entry(group.name, tuple(codes[c] for c in group.codes), False)

    phrases = data.get("non_authority_phrases", [])
    if not isinstance(phrases, list) or not all(isinstance(p, str) and p for p in phrases):
        raise SeedError(f"{source}: non_authority_phrases must be a list of strings")
    for phrase in phrases:
        key = name_key(phrase)
        if key in owners:
            raise SeedError(
                f"{source}: non-authority phrase {phrase!r} is also a name of {owners[key]}"
            )
        _check_starts_with_word(source, f"non-authority phrase {phrase!r}", phrase)
        entries.setdefault(key, _Entry(phrase, (), False))

    pattern = _source(e.alias for e in entries.values())
    return Gazetteer(
        authorities=tuple(authorities),
        shared=tuple(shared),
        non_authority_phrases=tuple(phrases),
        _codes=codes,
        _entries=entries,
        _pattern=re.compile(pattern),
        _pattern_ignorecase=re.compile(pattern, re.IGNORECASE),
    )


def _table_list(data: dict[str, object], key: str, source: str) -> list[object]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise SeedError(f"{source}: {key} must be an array of tables ([[{key}]])")
    return value


def _strings(value: object) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return None
    return tuple(v.strip() for v in value)


def _check_starts_with_word(source: str, what: str, name: str) -> None:
    words = name_key(name)
    if not words or not words[0].isalnum():
        raise SeedError(f"{source}: {what} must start with a letter or digit")


def _authority(source: str, number: int, item: object) -> Authority:
    if not isinstance(item, dict):
        raise SeedError(f"{source}: authority #{number} is not a table")
    code = item.get("code")
    label = f"{source}: authority #{number} ({code if isinstance(code, str) else 'no code'})"
    unknown = set(item) - _AUTHORITY_KEYS
    if unknown:
        raise SeedError(f"{label}: unknown fields {sorted(unknown)}")
    if not isinstance(code, str) or not CODE.fullmatch(code):
        raise SeedError(f"{label}: code must be an ONS code E06/E08/E09/E10 and six digits")
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SeedError(f"{label}: needs a name")
    name = name.strip()
    label = f"{source}: authority #{number} ({code} {name})"
    region = item.get("region")
    if region not in REGIONS:
        raise SeedError(f"{label}: unknown region {region!r}; one of {sorted(REGIONS)}")
    kind = item.get("type")
    if kind not in TYPES:
        raise SeedError(f"{label}: unknown type {kind!r}; one of {sorted(TYPES)}")
    if kind not in TYPES_BY_PREFIX[code[:3]]:
        raise SeedError(f"{label}: a {code[:3]} code cannot be of type {kind!r}")
    aliases = _strings(item.get("aliases", []))
    if aliases is None:
        raise SeedError(f"{label}: aliases must be a list of non-empty strings")
    all_names = tuple(dict.fromkeys((name, *aliases)))
    for alias in all_names:
        _check_starts_with_word(source, f"authority {code}: alias {alias!r}", alias)
    ambiguous = _strings(item.get("ambiguous", []))
    if ambiguous is None:
        raise SeedError(f"{label}: ambiguous must be a list of non-empty strings")
    stray = set(ambiguous) - set(all_names)
    if stray:
        raise SeedError(f"{label}: ambiguous names {sorted(stray)} are not among its aliases")
    previous = _strings(item.get("previous_codes", []))
    if previous is None or not all(CODE.fullmatch(c) for c in previous):
        raise SeedError(f"{label}: previous_codes must be a list of ONS codes")
    former = item.get("former", False)
    if not isinstance(former, bool):
        raise SeedError(f"{label}: former must be true or false")
    until = item.get("until")
    succeeded_by = _strings(item.get("succeeded_by", []))
    if former:
        if not isinstance(until, int) or isinstance(until, bool) or not 1974 <= until <= 2100:
            raise SeedError(f"{label}: a former authority needs until = YYYY")
        if not succeeded_by or not all(CODE.fullmatch(c) for c in succeeded_by):
            raise SeedError(f"{label}: a former authority needs succeeded_by = [codes]")
    elif until is not None or "succeeded_by" in item:
        raise SeedError(f"{label}: until and succeeded_by are only for former = true")
    note = item.get("note", "")
    if not isinstance(note, str):
        raise SeedError(f"{label}: note must be a string")
    return Authority(
        code=code,
        name=name,
        region=region,
        type=kind,
        aliases=all_names,
        ambiguous=frozenset(ambiguous),
        former=former,
        until=until if former else None,
        succeeded_by=succeeded_by or (),
        previous_codes=previous,
        note=note,
    )


def _shared(
    source: str,
    number: int,
    item: object,
    codes: Mapping[str, Authority],
    owners: Mapping[str, str],
) -> Shared:
    if not isinstance(item, dict):
        raise SeedError(f"{source}: shared #{number} is not a table")
    name = item.get("name")
    label = f"{source}: shared #{number} ({name if isinstance(name, str) else 'no name'})"
    unknown = set(item) - _SHARED_KEYS
    if unknown:
        raise SeedError(f"{label}: unknown fields {sorted(unknown)}")
    if not isinstance(name, str) or not name.strip():
        raise SeedError(f"{label}: needs a name")
    _check_starts_with_word(source, f"shared name {name!r}", name)
    claimed = owners.get(name_key(name))
    if claimed is not None:
        raise SeedError(f"{label}: the name is already an alias of {claimed}")
    members = _strings(item.get("authorities"))
    if members is None or len(set(members)) < 2:
        raise SeedError(f"{label}: authorities must list two or more codes")
    for code in members:
        if code not in codes or codes[code].code != code:
            raise SeedError(f"{label}: {code} is not the code of an authority in the file")
    note = item.get("note", "")
    if not isinstance(note, str):
        raise SeedError(f"{label}: note must be a string")
    return Shared(name=name.strip(), codes=tuple(dict.fromkeys(members)), note=note)
