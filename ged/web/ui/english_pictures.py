"""English texts of the thumbnails and the page viewer (see english.py)."""

# fmt: off
PICTURE_MESSAGES: dict[str, str] = {
    'Première page de « {title} »': 'First page of “{title}”',
    'Pas de vignette': 'No thumbnail',
    'Page {n} sur {count}': 'Page {n} of {count}',
    'Pages du document': 'Pages of the document',
    'Page précédente': 'Previous page',
    'Page suivante': 'Next page',
    'Page {n} de « {title} »': 'Page {n} of “{title}”',
    '{count} mot de la recherche surligné sur cette page': '{count} word of the search highlighted on this page',
    '{count} mots de la recherche surlignés sur cette page': '{count} words of the search highlighted on this page',
}
# fmt: on
