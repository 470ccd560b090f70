"""English texts of the search page's actions: bulk edits, the file-type facet, delete and
restore, the deleted documents, the units' grants, the review count (see english.py)."""

# fmt: off
ACTION_MESSAGES: dict[str, str] = {
    'Format': 'Format',
    'PDF': 'PDF',
    'Image PNG': 'PNG image',
    'Image JPEG': 'JPEG image',
    'Image TIFF': 'TIFF image',
    'Texte': 'Text',
    'document en attente': 'document waiting',
    'documents en attente': 'documents waiting',
}
# fmt: on
