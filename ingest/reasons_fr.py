"""The French of the reasons of ingest: the pipeline's reading of files and pages, the watched folders: see ged.reasons."""

# fmt: off
INGEST_REASONS: dict[str, str] = {
    # ingest/ocr.py
    'blank page': 'page blanche',
    'image of {width}×{height} pixels exceeds the limit (decompression bomb?)': "l'image de {width}×{height} pixels dépasse la limite autorisée (bombe de décompression ?)",
    'no text found': 'aucun texte trouvé',
    'image too small to hold text ({image.width}×{image.height} pixels)': 'image trop petite pour contenir du texte ({image.width}×{image.height} pixels)',
    'OCR stopped after {options.page_timeout:g} s': 'OCR interrompue au bout de {options.page_timeout:g} s',
    'the page needs more memory than there is to read it': "la lecture de la page demande plus de mémoire qu'il n'y en a de disponible",
    'the page could not be read: {error}': "la page n'a pas pu être lue : {error}",
    # ingest/pdfa.py
    'the PDF/A rendition could not be made: {outcome.reason}': "la version PDF/A n'a pas pu être produite : {outcome.reason}",
    'Ghostscript could not convert the scan to PDF/A: {error.stderr.decode()[-300:]}': "Ghostscript n'a pas pu convertir le scan en PDF/A : {error.stderr.decode()[-300:]}",
    'Ghostscript took too long to convert the scan to PDF/A': 'Ghostscript a mis trop de temps à convertir le scan en PDF/A',
    'the PDF/A rendition is not valid: {_findings(refusal)}': "la version PDF/A n'est pas valide : {_findings(refusal)}",
    'the PDF/A rendition could not be made: {error}': "la version PDF/A n'a pas pu être produite : {error}",
    # ingest/text.py
    'the PDF is encrypted with a password; send an unprotected copy': 'le PDF est protégé par un mot de passe ; envoyez-en une copie non protégée',
    'blank page, or its content was lost with the damaged part of the file': 'page blanche, ou dont le contenu a été perdu avec la partie endommagée du fichier',
    'the PDF is damaged and cannot be read ({reason})': 'le PDF est endommagé et ne peut pas être lu ({reason})',
    'beyond the OCR page limit ({max_pages} pages)': "au-delà de la limite de pages de l'OCR ({max_pages} pages)",
    'files of type {mime_type} are kept but not read (read: PDF, TIFF, PNG, JPEG and plain text)': 'les fichiers de type {mime_type} sont conservés mais pas lus (formats lus : PDF, TIFF, PNG, JPEG et texte brut)',
    'the PDF has no pages': 'le PDF ne contient aucune page',
    'the image cannot be read ({error})': "l'image ne peut pas être lue ({error})",
    'the page could not be read: {outcome.reason}': "la page n'a pas pu être lue : {outcome.reason}",
    'the PDF has no page {index + 1}': "le PDF n'a pas de page {index + 1}",
}
# fmt: on
