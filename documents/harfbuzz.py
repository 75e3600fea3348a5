"""A cffi binding to the few calls of the system HarfBuzz (the one Pango and WeasyPrint load) used here.

documents.fonts reads a face's Unicode coverage with it and documents.cid_fonts subsets embedded CFF
fonts. HarfBuzz reads a face's tables where they lie in the mapped file: fontTools, the alternative,
builds Python objects for all 65,000 glyph names of a Noto CJK face first (about 100 MB at its peak).
"""

from __future__ import annotations

from functools import cache

_CDEF = """
    typedef struct hb_blob_t hb_blob_t;
    typedef struct hb_face_t hb_face_t;
    typedef struct hb_set_t hb_set_t;
    typedef struct hb_subset_input_t hb_subset_input_t;
    typedef uint32_t hb_codepoint_t;
    typedef uint32_t hb_tag_t;
    typedef int hb_bool_t;
    typedef enum { HB_MEMORY_MODE_DUPLICATE = 0 } hb_memory_mode_t;
    typedef void (*hb_destroy_func_t) (void *user_data);

    hb_blob_t * hb_blob_create (const char *data, unsigned int length, hb_memory_mode_t mode,
                                void *user_data, hb_destroy_func_t destroy);
    hb_blob_t * hb_blob_create_from_file_or_fail (const char *file_name);
    const char * hb_blob_get_data (hb_blob_t *blob, unsigned int *length);
    void hb_blob_destroy (hb_blob_t *blob);
    hb_face_t * hb_face_create (hb_blob_t *blob, unsigned int index);
    hb_blob_t * hb_face_reference_table (const hb_face_t *face, hb_tag_t tag);
    void hb_face_collect_unicodes (hb_face_t *face, hb_set_t *out);
    unsigned int hb_face_get_glyph_count (const hb_face_t *face);
    void hb_face_destroy (hb_face_t *face);
    hb_set_t * hb_set_create (void);
    void hb_set_add (hb_set_t *set, hb_codepoint_t codepoint);
    hb_bool_t hb_set_next_range (const hb_set_t *set, hb_codepoint_t *first, hb_codepoint_t *last);
    void hb_set_destroy (hb_set_t *set);

    hb_subset_input_t * hb_subset_input_create_or_fail (void);
    void hb_subset_input_destroy (hb_subset_input_t *input);
    hb_set_t * hb_subset_input_glyph_set (hb_subset_input_t *input);
    hb_set_t * hb_subset_input_unicode_set (hb_subset_input_t *input);
    void hb_subset_input_set_flags (hb_subset_input_t *input, unsigned value);
    hb_face_t * hb_subset_or_fail (hb_face_t *source, const hb_subset_input_t *input);
"""
# HB_SET_VALUE_INVALID: hb_set_next_range starts from it and returns it when the set is exhausted.
SET_VALUE_INVALID = 0xFFFFFFFF


@cache
def binding():
    """Return (ffi, libharfbuzz, libharfbuzz-subset), loaded once per process."""
    from cffi import FFI

    ffi = FFI()
    ffi.cdef(_CDEF)
    core = ffi.dlopen("libharfbuzz.so.0")
    subset = ffi.dlopen("libharfbuzz-subset.so.0")
    return ffi, core, subset
