"""English texts of the scanned batches' pages and the upload of batches (see english.py)."""

# fmt: off
BATCHES_MESSAGES: dict[str, str] = {
    'Actualisez la page dans quelques instants.': 'Reload the page in a few moments.',
    'Code-barres': 'Barcode',
    'Documents créés': 'Documents created',
    'Documents créés : {done} sur {total}': 'Documents created: {done} of {total}',
    'Documents du lot': 'Documents of the batch',
    'Découper chaque fichier aux feuilles de séparation': 'Split each file at its separator sheets',
    'Déposé par': 'Submitted by',
    'Issu du lot numérisé n° {batch}': 'Cut from scanned batch no. {batch}',
    'Lot numérisé n° {id}': 'Scanned batch no. {id}',
    'Lot n° {id} reçu ; son découpage commence.': 'Batch no. {id} received; its split begins.',
    'Lot reçu ; découpage en cours': 'Batch received; being split',
    'Lots numérisés': 'Scanned batches',
    'Pages du lot': 'Pages of the batch',
    'Partie': 'Part',
    'Retirer les pages blanches': 'Remove blank pages',
    'Suivre le lot': 'Follow the batch',
    'Type lu sur le code-barres de la feuille de couverture.': "Type read from the cover sheet's barcode.",
    'Un PDF ou un TIFF de plusieurs documents, séparés par des feuilles imprimées avec « ged sheets print » : chaque partie devient un document.': 'A PDF or TIFF of several documents, separated by sheets printed with "ged sheets print": each part becomes a document.',
    'pages blanches retirées : {pages}': 'blank pages removed: {pages}',
    'pages en cours de lecture': 'pages being read',
    'pages {first} à {last} du lot': 'pages {first} to {last} of the batch',
    'pas encore créé': 'not created yet',
    '{count} page': '{count} page',
    '{count} pages': '{count} pages',
    '{first} à {last}': '{first} to {last}',
    'Découpage en cours': 'Being split',
    'Découpé': 'Split',
    'Échec': 'Failed',
}
# fmt: on
