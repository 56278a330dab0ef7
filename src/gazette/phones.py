"""Phone numbers written in their plain forms, judged from phonenumbers' own metadata.

``phonenumbers.parse`` then ``is_possible_number`` and ``number_type`` cost ~45 µs a number in
Python: most of ``gazette moderate``'s time on a queue full of numbers. For a span written the
plain way (digits in groups split by one space, dot or hyphen, after an optional "+") almost all
of what ``parse`` does is moot (no letters, extension, RFC 3966 context, brackets): what is left
is a country code, a national prefix and a few regular expressions from the region's metadata,
which this module runs directly, compiled once a region, in the order phonenumbers runs them.

Whatever this module is not sure of (an international dialling prefix such as "00", a "+0", a
country code phonenumbers would look for again after the "+", a non-geographic code, a national
prefix with a transform rule, metadata of another shape) answers :data:`UNSURE`, and the caller
asks phonenumbers as before. tests/test_phones.py compares both on hundreds of thousands of
spans, and fails if phonenumbers' code or metadata that this module mirrors changes.
"""

from __future__ import annotations

import re

UNSURE = object()  # "ask phonenumbers"
PLAIN = re.compile(r"\+?[0-9]+(?:[ .-][0-9]+)*")
_MIN_LENGTH_FOR_NSN, _MAX_LENGTH_FOR_NSN, _MAX_INPUT_STRING_LENGTH = 2, 17, 250
# phonenumbers' _test_number_length answers, as this module needs them.
_POSSIBLE, _LOCAL_ONLY, _TOO_SHORT, _INVALID_LENGTH, _TOO_LONG = range(5)
# The answers after which parse keeps a number without its national prefix, and those
# is_possible_number accepts: one set each, rather than a tuple built at every number.
_NOT_STRIPPED = frozenset((_TOO_SHORT, _LOCAL_ONLY, _INVALID_LENGTH))
_POSSIBLE_LENGTHS = frozenset((_POSSIBLE, _LOCAL_ONLY))
# The number types in the order phonenumbers' _number_type_helper tries them, before fixed and mobile.
_TYPE_ORDER = ("PREMIUM_RATE", "premium_rate"), ("TOLL_FREE", "toll_free"), ("SHARED_COST", "shared_cost"), \
    ("VOIP", "voip"), ("PERSONAL_NUMBER", "personal_number"), ("PAGER", "pager"), ("UAN", "uan"), \
    ("VOICEMAIL", "voicemail")
TYPE_NAMES = ("FIXED_LINE", "MOBILE", "FIXED_LINE_OR_MOBILE", "TOLL_FREE", "PREMIUM_RATE", "SHARED_COST", "VOIP",
              "PERSONAL_NUMBER", "PAGER", "UAN", "VOICEMAIL", "UNKNOWN")
METADATA_FIELDS = ("country_code", "international_prefix", "national_prefix_for_parsing",
                   "national_prefix_transform_rule", "general_desc", "fixed_line", "mobile",
                   "same_mobile_and_fixed_line_pattern", "leading_digits", *(field for _t, field in _TYPE_ORDER))
DESC_FIELDS = ("national_number_pattern", "possible_length", "possible_length_local_only")
_PATTERNS = ("idd", "prefix", "general", "types", "leading")


class _Region:
    """One region's metadata, compiled once, from :func:`_region_data`."""

    def __init__(self, data: dict):
        self.country_code = data["country_code"]
        if type(self.country_code) is not int:
            raise TypeError("country_code")
        # Every pattern a str (a bytes one compiles, then raises at its first match).
        if not all(data[name] is None or type(data[name]) is str for name in _PATTERNS):
            raise TypeError("patterns")
        self.code = str(self.country_code)
        self.idd = re.compile(data["idd"]).match if data["idd"] is not None else None
        self.prefix = re.compile(data["prefix"]).match if data["prefix"] else None
        self.transform = bool(data["transform"])
        self.general_fullmatch = re.compile(data["general"]).fullmatch if data["general"] else None
        self.lengths, self.local_lengths = tuple(data["lengths"]), tuple(data["local"])
        if not (self.lengths and all(type(size) is int for size in self.lengths + self.local_lengths)):
            raise TypeError("lengths")
        self.kinds, self.unknown = tuple(data["kinds"]), data["unknown"]
        # Compiled when a type is first asked (a few ms for the UK): a second region is often
        # only asked whether the span is a possible number.
        self.type_pattern, self.type_match = data["types"], None
        if not (self.type_pattern is None or type(self.type_pattern) is str) or not all(
                type(kind) is int for kind in (*self.kinds, self.unknown)):
            raise TypeError("types")
        self.leading = re.compile(data["leading"]).match if data["leading"] is not None else None
        # _test_number_length's answer for each length a parsed number can have.
        self.length_answer = tuple(self._length(size) for size in range(_MAX_INPUT_STRING_LENGTH + 1))

    def general_match(self, number: str) -> bool:
        """phonenumbers' _match_national_number(number, general_desc, False)."""
        return self.general_fullmatch is not None and self.general_fullmatch(number) is not None

    def length(self, number: str) -> int:
        return self.length_answer[len(number)]

    def _length(self, actual: int) -> int:
        """phonenumbers' _test_number_length(number, metadata) for any type, read literally."""
        lengths = self.lengths
        if actual in self.local_lengths:
            return _LOCAL_ONLY
        if lengths[0] == actual:
            return _POSSIBLE
        if lengths[0] > actual:
            return _TOO_SHORT
        if lengths[-1] < actual:
            return _TOO_LONG
        return _POSSIBLE if actual in lengths[1:] else _INVALID_LENGTH

    def strip_prefix(self, number: str):
        """phonenumbers' _maybe_strip_national_prefix_carrier_code(number)[1], or UNSURE."""
        if not number or self.prefix is None:
            return number
        match = self.prefix(number)
        if match is None:
            return number
        if self.transform:
            return UNSURE
        if self.general_match(number) and not self.general_match(number[match.end():]):
            return number
        return number[match.end():]

    def number_type(self, number: str):
        """phonenumbers' _number_type_helper."""
        if self.type_match is None:
            if self.type_pattern is None:
                return self.unknown
            try:
                self.type_match = re.compile(self.type_pattern).match
            except (re.error, TypeError, ValueError, RecursionError, OverflowError):
                return UNSURE  # a pattern a damaged or planted cache held: phonenumbers answers
        match = self.type_match(number)
        if match is None or match.lastindex is None:
            return self.unknown
        index = match.lastindex - 1
        return self.kinds[index] if index < len(self.kinds) else UNSURE


def _desc_pattern(desc):
    """A PhoneNumberDesc as _is_number_matching_desc reads it (its lengths, when it lists any,
    then its pattern over the whole number), as a pattern to use in a look-ahead; None when
    it matches nothing."""
    if desc is None or not desc.national_number_pattern:
        return None
    sizes = sorted(set(desc.possible_length))
    if sizes and all(size < 0 for size in sizes):
        return None  # (-1,): phonenumbers' way of saying "no number of this type"
    lengths = "|".join(f".{{{size:d}}}" for size in sizes if size >= 0)
    check = f"(?:{lengths})\\Z" if lengths else ""
    return (f"(?={check})" if check else "") + f"(?:{desc.national_number_pattern})\\Z"


def _region_data(metadata, types) -> dict:
    """What this module reads of a region's PhoneMetadata, as plain data (kept in the cache)."""
    for field in METADATA_FIELDS:  # another shape of metadata: phonenumbers decides, always
        if not hasattr(metadata, field):
            raise AttributeError(field)
    general = metadata.general_desc
    if general is None:
        raise AttributeError("general_desc")
    for field in DESC_FIELDS:
        if not hasattr(general, field):
            raise AttributeError(field)
    descs = [(getattr(types, name), getattr(metadata, field)) for name, field in _TYPE_ORDER]
    same = bool(metadata.same_mobile_and_fixed_line_pattern)
    fixed, mobile = metadata.fixed_line, metadata.mobile
    if same:
        descs.append((types.FIXED_LINE_OR_MOBILE, fixed))
    else:
        descs.append((types.FIXED_LINE_OR_MOBILE, (fixed, mobile)))
        descs += [(types.FIXED_LINE, fixed), (types.MOBILE, mobile)]
    # _number_type_helper's questions in its order, as one pattern: the general description
    # first (a look-ahead), then one alternative a type; the first that matches the whole
    # number wins, as the helper's first "if" that holds. One C call instead of up to 11.
    kinds, alternatives = [], []
    for kind, desc in descs:
        both = desc if isinstance(desc, tuple) else (desc,)
        if all(_desc_pattern(d) is not None for d in both):
            kinds.append(int(kind))
            alternatives.append("(" + "".join(f"(?={_desc_pattern(d)})" for d in both) + ")")
    general_pattern = _desc_pattern(general)
    return {
        "country_code": metadata.country_code, "idd": metadata.international_prefix,
        "prefix": metadata.national_prefix_for_parsing, "transform": bool(metadata.national_prefix_transform_rule),
        "general": general.national_number_pattern or None, "lengths": tuple(general.possible_length),
        "local": tuple(general.possible_length_local_only or ()), "kinds": tuple(kinds), "unknown": int(types.UNKNOWN),
        "types": None if general_pattern is None else (
            f"(?={general_pattern})(?:" + "|".join(alternatives or ["(?!)"]) + ")"),
        "leading": metadata.leading_digits,
        "trunk": "0" if metadata.national_prefix == "0" else "",
    }


class _Tables:
    """The regions' compiled metadata. Read from the cache folder when phonenumbers' files are
    the ones it was taken from (importing phonenumbers costs ~12 ms, more than a queue's
    numbers now do), else from phonenumbers, imported only then."""

    def __init__(self, use_cache: bool = True):
        self.key, self.module = (_installed_stamp() if use_cache else None), None
        saved = _load(self.key) if self.key is not None else None
        if saved is not None:
            self.by_code, self.types, self.data = saved
        else:
            phonenumbers = self.phonenumbers()
            self.by_code = dict(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
            self.types = {name: int(getattr(phonenumbers.PhoneNumberType, name)) for name in TYPE_NAMES}
            self.data = {}
        self.regions: dict = {}
        self.owners: dict = {}

    def phonenumbers(self):
        if self.module is None:
            import phonenumbers

            self.module = phonenumbers
        return self.module

    def region(self, code: str):
        """The compiled metadata of ``code``, None when phonenumbers has none (as its
        metadata_for_region), UNSURE when its metadata is not of the shape read here."""
        if code not in self.regions:
            if code not in self.data:
                phonenumbers = self.phonenumbers()
                metadata = phonenumbers.PhoneMetadata.metadata_for_region(code, None)
                try:
                    self.data[code] = None if metadata is None else _region_data(metadata,
                                                                                 phonenumbers.PhoneNumberType)
                except (AttributeError, TypeError, ValueError):
                    self.data[code] = False
                if self.key is not None:
                    _store(self.key, (self.by_code, self.types, self.data))
            data = self.data[code]
            try:
                self.regions[code] = None if data is None else UNSURE if data is False else _Region(data)
            except Exception:  # noqa: BLE001 - whatever a damaged cache held: phonenumbers answers
                self.regions[code] = UNSURE
        return self.regions[code]

    def own(self, country_code: int):
        """(the regions of ``country_code``, its main region's compiled metadata or UNSURE)."""
        known = self.owners.get(country_code)
        if known is None:
            regions = self.by_code.get(country_code)
            main = self.region(regions[0]) if regions else None
            known = self.owners[country_code] = (regions or (), UNSURE if main is None else main)
        return known

    def trunk(self, code: str) -> str | None:
        """The region's trunk prefix as netiquette reads it ("0" or ""), None if unsure."""
        region = self.region(code)
        if region is None:
            return ""
        if region is UNSURE:
            return None
        trunk = self.data[code].get("trunk") if type(self.data[code]) is dict else None
        return trunk if trunk in ("0", "") else None


_tables: list = []


def current_tables(use_cache: bool = True) -> _Tables:
    """The process's tables, made on first use; without the cache folder when the first use
    says so (a run asked for no cache: ``gazette check --no-cache``, a cold measurement)."""
    if not _tables:
        _tables.append(_Tables(use_cache))
    return _tables[0]


# -- the cache ------------------------------------------------------------------------------------
CACHE_FORMAT = 2  # 2: the marshal bytes follow their CRC-32 (seal)
CACHE_FILE = "phones.marshal"


def _installed_stamp():
    """(format, this module's size and time, phonenumbers' folder, its main files' sizes and
    times), without importing it: a new release rewrites them, a changed _region_data rewrites
    this file; None when either cannot be found."""
    import os
    import sys

    try:
        module = sys.modules.get("phonenumbers")
        if module is not None:
            origin = module.__file__
        else:
            from importlib.machinery import PathFinder

            spec = PathFinder.find_spec("phonenumbers")
            origin = spec.origin if spec is not None else None
        if not origin:
            return None
        folder = os.path.dirname(origin)
        own = os.stat(__file__)
        stamps = []
        for name in ("__init__.py", "phonenumberutil.py", os.path.join("data", "__init__.py")):
            status = os.stat(os.path.join(folder, name))
            stamps.append((name, status.st_size, status.st_mtime_ns))
    except (OSError, ValueError, ImportError):
        return None
    return (CACHE_FORMAT, (own.st_size, own.st_mtime_ns), folder, tuple(stamps))


def _cache_file():
    from .netiquette import _cache_path

    return _cache_path(None).with_name(CACHE_FILE)


def _cache_file_text() -> str:
    """:func:`_cache_file` as text, for reading it without pathlib (~4 ms of imports)."""
    from .netiquette import _cache_file_text as in_cache_folder

    return in_cache_folder(None, CACHE_FILE)


def _load(key):
    """(by_code, types, regions' data) saved under ``key``, or None: any trouble only means
    asking phonenumbers again."""
    from .sealed import read

    value = read(_cache_file_text(), key)
    try:
        by_code, types, data = value
    except (TypeError, ValueError):
        return None
    if type(by_code) is not dict or type(types) is not dict or type(data) is not dict:
        return None
    if set(types) != set(TYPE_NAMES) or not all(type(value) is int for value in types.values()):
        return None
    if not all(type(code) is int and type(regions) is tuple and regions and all(type(r) is str for r in regions)
               for code, regions in by_code.items()):
        return None
    if not all(type(code) is str and (value is None or value is False or type(value) is dict)
               for code, value in data.items()):
        return None
    return by_code, types, data


def _store(key, value) -> None:
    from .sealed import write

    write(_cache_file(), key, value)


def whole_number_type(span: str, region: str, kind: bool = True):
    """What ``phonenumbers.number_type(parse(span, region))`` answers when the whole ``span`` is a
    possible number (``is_possible_number``), True instead when ``kind`` is false; None when parse
    raises or the number is not possible; UNSURE when this module cannot tell (then ask
    phonenumbers)."""
    if PLAIN.fullmatch(span) is None:
        return UNSURE
    return plain_number_type(span, region, kind)


def plain_number_type(span: str, region: str, kind: bool = True):
    """:func:`whole_number_type` for a span known to match :data:`PLAIN`."""
    if len(span) > _MAX_INPUT_STRING_LENGTH:
        return UNSURE
    tables = _tables[0] if _tables else current_tables()
    meta = tables.regions.get(region) or tables.region(region)
    if meta is None or meta is UNSURE:
        return UNSURE
    if span[0] == "+":
        return _international(span, region, kind, tables, meta)
    digits = span.replace(" ", "").replace(".", "").replace("-", "")
    if len(digits) < 3:  # phonenumbers' "viable number" needs three digits, or two alone
        return UNSURE
    if meta.idd is not None and meta.idd(digits):
        return UNSURE  # "00 33 …": an international prefix
    if digits.startswith(meta.code):  # "33 6 12 …": the region's own code without a "+"?
        potential = meta.strip_prefix(digits[len(meta.code):])
        if potential is UNSURE:
            return UNSURE
        if (not meta.general_match(digits) and meta.general_match(potential)) or meta.length(digits) == _TOO_LONG:
            return _national(potential, meta.country_code, region, kind, tables, meta)
    # The usual national number, phonenumbers' steps written out (most numbers take this path).
    national = digits
    prefix = meta.prefix
    if prefix is not None:  # _maybe_strip_national_prefix_carrier_code
        match = prefix(national)
        if match is not None:
            if meta.transform:
                return UNSURE
            rest = national[match.end():]
            general = meta.general_fullmatch
            if (general is None or general(national) is None or general(rest) is not None) and \
                    meta.length_answer[len(rest)] not in _NOT_STRIPPED:
                national = rest
    return _answer(national, meta.country_code, kind, tables)


def _international(span, region, kind, tables, meta):
    """A "+" number: its country code, then as phonenumbers reads it in that code's region."""
    digits = span[1:].replace(" ", "").replace(".", "").replace("-", "")
    if len(digits) < 3:
        return UNSURE
    if digits[0] == "0":
        return UNSURE  # phonenumbers reads "+0…" again without the "+"
    for size in (1, 2, 3):
        if int(digits[:size]) in tables.by_code:
            return _national(digits[size:], int(digits[:size]), region, kind, tables, meta)
    return UNSURE


def _national(national, country_code, region, kind, tables, meta):
    """The rest of phonenumbers' parse once a country code was read, then its answers."""
    main = tables.by_code[country_code][0]
    if main != region:
        if main == "001":
            return UNSURE  # non-geographic numbers have their own metadata
        meta = tables.region(main)
        if meta is None or meta is UNSURE:
            return UNSURE
    if len(national) < _MIN_LENGTH_FOR_NSN:
        return None
    potential = meta.strip_prefix(national)
    if potential is UNSURE:
        return UNSURE
    if meta.length_answer[len(potential)] not in _NOT_STRIPPED:
        national = potential
    return _answer(national, country_code, kind, tables)


def _answer(national, country_code, kind, tables):
    """phonenumbers' answers once the national significant number is read (these digits,
    leading zeros included): None when it is not possible, True when ``kind`` is not asked."""
    if not _MIN_LENGTH_FOR_NSN <= len(national) <= _MAX_LENGTH_FOR_NSN:
        return None
    regions, main = tables.owners.get(country_code) or tables.own(country_code)
    if main is UNSURE:
        return UNSURE
    if main.length_answer[len(national)] not in _POSSIBLE_LENGTHS:
        return None
    if not kind:
        return True
    if len(regions) == 1:
        return main.number_type(national)
    return _type_among(national, regions, tables, main)


def _type_among(national, regions, tables, main):
    """phonenumbers' _region_code_for_number_from_list, then the type in that region."""
    for code in regions:
        candidate = tables.region(code)
        if candidate is None:
            continue
        if candidate is UNSURE:
            return UNSURE
        if candidate.leading is not None:
            if candidate.leading(national):
                return candidate.number_type(national)
            continue
        answer = candidate.number_type(national)
        if answer != candidate.unknown:
            return answer
    return main.unknown
