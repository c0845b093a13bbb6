"""Smaller copies of the free CJK fonts for the PDF renderer, made once per
process.

WeasyPrint copies a font's whole file out of HarfBuzz and subsets it for
every document: with Noto CJK's 20–27 MB collections that is about 400 ms a
paper, over issue 16's 300 ms. A copy limited to GB 2312 (the 6,763 hanzi
and its symbols) plus Latin, punctuation and the box and check marks is
about 4 MB and subsets in a few ms. The copies are made here with
HarfBuzz's own subsetter (libharfbuzz-subset, which WeasyPrint needs
anyway), about 0.5 s each, and offered to the templates as @font-face
families placed before the full fonts: a character outside GB 2312 (a rare
name) falls through to the full font, so nothing is lost but time.

The copies are deterministic (same source font, same HarfBuzz, same bytes),
so the PDF stays byte-identical from one process to the next."""

from __future__ import annotations

import atexit
import logging
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

# (family in the templates, weight, fontconfig pattern of the source face)
FACES = (
    ("Ledger Serif SC", 400, "Noto Serif CJK SC:weight=80"),
    ("Ledger Serif SC", 700, "Noto Serif CJK SC:weight=200"),
    ("Ledger Sans SC", 400, "Noto Sans CJK SC:weight=80"),
)

# Latin-1, general punctuation (— “ ” …), letterlike symbols, arrows,
# enclosed numbers ①, box drawing, geometric shapes (□ ○), miscellaneous
# symbols (☑ ☐), CJK punctuation (〔〕《》), full-width forms.
RANGES = ((0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2100, 0x214F), (0x2190, 0x21FF), (0x2460, 0x24FF),
          (0x2500, 0x257F), (0x25A0, 0x25FF), (0x2600, 0x26FF), (0x3000, 0x303F), (0xFF00, 0xFFEF))

_CDEF = """
typedef struct _FcPattern FcPattern; typedef struct _FcConfig FcConfig; typedef int FcBool;
typedef enum { FcResultMatch, FcResultNoMatch, FcResultTypeMismatch, FcResultNoId, FcResultOutOfMemory } FcResult;
typedef enum { FcMatchPattern, FcMatchFont, FcMatchScan } FcMatchKind;
FcPattern *FcNameParse(const unsigned char *name);
FcBool FcConfigSubstitute(FcConfig *config, FcPattern *p, FcMatchKind kind);
void FcDefaultSubstitute(FcPattern *pattern);
FcPattern *FcFontMatch(FcConfig *config, FcPattern *p, FcResult *result);
FcResult FcPatternGetString(const FcPattern *p, const char *object, int n, unsigned char **s);
FcResult FcPatternGetInteger(const FcPattern *p, const char *object, int n, int *i);
void FcPatternDestroy(FcPattern *p);

typedef struct hb_blob_t hb_blob_t; typedef struct hb_face_t hb_face_t; typedef struct hb_set_t hb_set_t;
typedef struct hb_subset_input_t hb_subset_input_t;
hb_blob_t *hb_blob_create_from_file(const char *file_name);
hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
hb_blob_t *hb_face_reference_blob(hb_face_t *face);
const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
void hb_blob_destroy(hb_blob_t *blob);
void hb_face_destroy(hb_face_t *face);
void hb_set_add(hb_set_t *set, uint32_t codepoint);
void hb_set_add_range(hb_set_t *set, uint32_t first, uint32_t last);
hb_subset_input_t *hb_subset_input_create_or_fail(void);
hb_set_t *hb_subset_input_unicode_set(hb_subset_input_t *input);
void hb_subset_input_destroy(hb_subset_input_t *input);
hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
"""


def gb2312() -> list[int]:
    """The code points of GB 2312's two-byte area (hanzi and symbols)."""
    points = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes((hi, lo)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return sorted(points)


def _libraries():
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(_CDEF)
    return ffi, ffi.dlopen("libfontconfig.so.1"), ffi.dlopen("libharfbuzz.so.0"), ffi.dlopen(
        "libharfbuzz-subset.so.0")


def _source(ffi, fc, pattern: str) -> tuple[str, int] | None:
    """The file and face index fontconfig gives for ``pattern``, if its
    family is really the one asked for (fontconfig always answers something)."""
    p = fc.FcNameParse(pattern.encode())
    fc.FcConfigSubstitute(ffi.NULL, p, fc.FcMatchPattern)
    fc.FcDefaultSubstitute(p)
    result = ffi.new("FcResult *")
    match = fc.FcFontMatch(ffi.NULL, p, result)
    fc.FcPatternDestroy(p)
    if match == ffi.NULL:
        return None
    try:
        s, i = ffi.new("unsigned char **"), ffi.new("int *")
        if fc.FcPatternGetString(match, b"family", 0, s) != fc.FcResultMatch:
            return None
        if ffi.string(s[0]).decode() != pattern.split(":")[0]:
            return None
        fc.FcPatternGetString(match, b"file", 0, s)
        path = ffi.string(s[0]).decode()
        fc.FcPatternGetInteger(match, b"index", 0, i)
        return path, i[0]
    finally:
        fc.FcPatternDestroy(match)


def _subset(ffi, hb, hbs, path: str, index: int, points: list[int]) -> bytes | None:
    blob = hb.hb_blob_create_from_file(path.encode())
    face = hb.hb_face_create(blob, index)
    request = hbs.hb_subset_input_create_or_fail()
    try:
        wanted = hbs.hb_subset_input_unicode_set(request)
        for first, last in RANGES:
            hb.hb_set_add_range(wanted, first, last)
        for point in points:
            hb.hb_set_add(wanted, point)
        out = hbs.hb_subset_or_fail(face, request)
        if out == ffi.NULL:
            return None
        out_blob = hb.hb_face_reference_blob(out)
        length = ffi.new("unsigned int *")
        data = ffi.unpack(hb.hb_blob_get_data(out_blob, length), length[0])
        hb.hb_blob_destroy(out_blob)
        hb.hb_face_destroy(out)
        return data
    finally:
        hbs.hb_subset_input_destroy(request)
        hb.hb_face_destroy(face)
        hb.hb_blob_destroy(blob)


@lru_cache(maxsize=1)
def font_faces_css() -> str:
    """@font-face rules for the small copies (empty if none could be made:
    the templates then use the installed fonts directly)."""
    try:
        ffi, fc, hb, hbs = _libraries()
    except (OSError, ImportError) as e:  # no fontconfig/HarfBuzz here: WeasyPrint would not run either
        log.warning("CJK font copies not made: %s", e)
        return ""
    folder = Path(tempfile.mkdtemp(prefix="ledger-fonts-"))
    atexit.register(shutil.rmtree, folder, True)
    points = gb2312()
    rules = []
    for family, weight, pattern in FACES:
        source = _source(ffi, fc, pattern)
        data = _subset(ffi, hb, hbs, *source, points) if source else None
        if not data:
            log.warning("no %s installed: PDFs use whatever CJK font fontconfig finds", pattern)
            continue
        target = folder / f"{family.replace(' ', '')}-{weight}.otf"
        target.write_bytes(data)
        rules.append(f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
                     f'src: url("{target.as_uri()}"); }}')
    return "\n".join(rules)
