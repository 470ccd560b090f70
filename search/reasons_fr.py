"""The French of the reasons of search: queries and the index: see ged.reasons."""

# fmt: off
SEARCH_REASONS: dict[str, str] = {
    # search/client.py
    'cluster health is red': "le cluster de l'index de recherche est en état rouge",
    # search/errors.py
    'HTTP {exc.status_code}: {exc.error}': 'HTTP {exc.status_code} : {exc.error}',
    # search/indexing.py
    '{len(transient)} write(s) rejected, e.g. {transient[0]}': '{len(transient)} écriture(s) rejetée(s), par exemple {transient[0]}',
    # search/query.py
    '{name} must be a date written YYYY-MM-DD, not {value!r}': '{name} doit être une date écrite AAAA-MM-JJ, et non {value!r}',
    'the query is {len(q)} characters long; at most {MAX_QUERY_LENGTH} are accepted': 'la requête compte {len(q)} caractères ; {MAX_QUERY_LENGTH} au plus sont acceptés',
    'the query has {terms} words or phrases; at most {MAX_TERMS} are accepted': 'la requête compte {terms} mots ou expressions ; {MAX_TERMS} au plus sont acceptés',
    'date_from ({date_from}) is after date_to ({date_to})': 'date_from ({date_from}) est postérieure à date_to ({date_to})',
    "sort must be one of {', '.join(SORTS)}, not {sort!r}": "le paramètre sort doit être l'une des valeurs suivantes : {', '.join(SORTS)}, et non {sort!r}",
    'size must be at most {MAX_PAGE_SIZE}, not {size}': 'le paramètre size doit valoir au plus {MAX_PAGE_SIZE}, et non {size}',
    'page {page} of {size} results is too deep: only the first {MAX_RESULT_WINDOW} results can be paged through; narrow the search with words or filters': 'la page {page} de {size} résultats est trop lointaine : seuls les {MAX_RESULT_WINDOW} premiers résultats peuvent être parcourus ; affinez la recherche avec des mots ou des filtres',
    '{name} must be a whole number from 1, not {value!r}': '{name} doit être un nombre entier à partir de 1, et non {value!r}',
    '{prefix}: needs a value right after the colon, for example {prefix}:facture': 'le filtre {prefix}: demande une valeur juste après le deux-points, par exemple {prefix}:facture',
    'unbalanced quote: the phrase opened at character {position + 1} is never closed; add the closing " or remove the opening one': "guillemet non refermé : l'expression ouverte au caractère {position + 1} n'est jamais refermée ; ajoutez le \" fermant ou retirez le \" ouvrant",
    '{name} must be a text value or a list of them': '{name} doit être une valeur texte ou une liste de valeurs texte',
    'unknown filter {name!r}; the filters are {known}': 'filtre inconnu : {name!r} ; les filtres sont : {known}',
    # search/searching.py
    'the search timed out': 'la recherche a dépassé le délai imparti',
}
# fmt: on
