"""The French of the reasons of ged's services, its web layer and its workers: see ged.reasons."""

# fmt: off
SERVICE_REASONS: dict[str, str] = {
    # ged/access.py
    'you may read document {document_id} but not {verb} it': "vous pouvez lire le document {document_id}, mais l'action « {verb} » ne vous est pas permise",
    'you may not file documents into {where}': "vous n'avez pas le droit de déposer des documents dans {where}",
    # ged/audit/certificate.py
    'not a {FORMAT!r}': "ce fichier n'est pas au format {FORMAT!r}",
    # ged/audit/export.py
    "format must be one of {', '.join(FORMATS)}, not {fmt!r}": "le paramètre format doit être l'une des valeurs suivantes : {', '.join(FORMATS)}, et non {fmt!r}",
    'a bundle is an unbroken range of the chain: narrow it by stream, period or seq only (export CSV or JSON Lines to filter by actor, action, document or outcome)': 'un paquet de preuve couvre une plage continue de la chaîne : restreignez-le seulement par flux, par période ou par numéro de séquence (seq) ; exportez en CSV ou en JSON Lines pour filtrer par auteur, action, document ou résultat',
    'this zip is not a ged audit bundle': "ce fichier ZIP n'est pas un paquet de preuve de ged",
    "this bundle is of version {manifest.get('version')!r}, unknown here": "ce paquet de preuve est de la version {manifest.get('version')!r}, que ged ne connaît pas",
    'this zip has no {MANIFEST_FILE}: it is not an audit bundle': "ce fichier ZIP ne contient pas de {MANIFEST_FILE} : ce n'est pas un paquet de preuve",
    'this bundle holds a stream ged does not know: {stream!r}': 'ce paquet de preuve contient un flux que ged ne connaît pas : {stream!r}',
    # ged/audit/offline.py
    '{path.name} cannot be read as an audit export: {exc!r}': "{path.name} ne peut pas être lu comme un export du journal d'audit : {exc!r}",
    '{held.timestamps} holds a time-stamp of another stream': "{held.timestamps} contient un horodatage d'un autre flux",
    # ged/audit/query.py
    'size must be between 1 and {MAX_PAGE_SIZE}': 'le paramètre size doit être compris entre 1 et {MAX_PAGE_SIZE}',
    "stream must be one of {', '.join(STREAMS)}, not {self.stream!r}": "le paramètre stream doit être l'une des valeurs suivantes : {', '.join(STREAMS)}, et non {self.stream!r}",
    "outcome must be one of {', '.join(OUTCOMES)}, not {self.outcome!r}": "le paramètre outcome doit être l'une des valeurs suivantes : {', '.join(OUTCOMES)}, et non {self.outcome!r}",
    '{field} must be a date (YYYY-MM-DD) or an ISO 8601 date and time, not {value!r}': '{field} doit être une date (AAAA-MM-JJ) ou une date et heure ISO 8601, et non {value!r}',
    "unknown parameter(s): {', '.join(unknown)}": "paramètre(s) inconnu(s) : {', '.join(unknown)}",
    # ged/audit/seal.py
    '{key_file} is not an Ed25519 private key': "{key_file} n'est pas une clé privée Ed25519",
    'the public key is not an Ed25519 key': "la clé publique n'est pas une clé Ed25519",
    '{path} already exists: ged never replaces an audit signing key': "{path} existe déjà : ged ne remplace jamais une clé de signature du journal d'audit",
    'the public key is not a PEM public key': "la clé publique n'est pas une clé publique PEM",
    # ged/audit/tsa.py
    'the TSA at {url} answered {kind}, not {REPLY_TYPE}': "l'autorité d'horodatage {url} a répondu par {kind}, et non par {REPLY_TYPE}",
    'the TSA at {url} answered another request (its nonce differs)': "l'autorité d'horodatage {url} a répondu à une autre demande (son nonce diffère)",
    'the TSA refused it: {said}': "l'autorité d'horodatage l'a refusé : {said}",
    'it is not over a SHA-256 imprint, as ged asks for': 'il ne porte pas sur une empreinte SHA-256, comme ged le demande',
    "it is over hash {imprinted.message.hex()}, not this checkpoint's {imprint(checkpoint)}": "il porte sur l'empreinte {imprinted.message.hex()}, et non sur celle de ce point de contrôle, {imprint(checkpoint)}",
    'it dates from {gen_time:%Y-%m-%dT%H:%M:%SZ}, before the checkpoint was sealed': 'il date du {gen_time:%Y-%m-%dT%H:%M:%SZ}, avant le scellement du point de contrôle',
    'it dates from {gen_time:%Y-%m-%dT%H:%M:%SZ}, in the future': "il date du {gen_time:%Y-%m-%dT%H:%M:%SZ}, c'est-à-dire du futur",
    '{origin} holds no PEM certificate': '{origin} ne contient aucun certificat PEM',
    "the TSA's CA file {path} cannot be read ({exc.strerror}): set [audit] tsa_ca_file to the certificates (PEM) the TSA's certificate chains to": "le fichier des autorités de certification de l'autorité d'horodatage, {path}, ne peut pas être lu ({exc.strerror}) : indiquez dans [audit] tsa_ca_file les certificats (PEM) auxquels remonte la chaîne du certificat de l'autorité d'horodatage",
    'the TSA at {url} answered HTTP {exc.code} {exc.reason}': "l'autorité d'horodatage {url} a répondu HTTP {exc.code} {exc.reason}",
    'the TSA at {url} does not answer: {reason}': "l'autorité d'horodatage {url} ne répond pas : {reason}",
    'it is not signed by a TSA the trusted CA vouches for ({_said(exc)})': "il n'est pas signé par une autorité d'horodatage garantie par l'autorité de certification de confiance ({_said(exc)})",
    'it cannot be read as an RFC 3161 time-stamp ({exc})': 'il ne peut pas être lu comme un horodatage RFC 3161 ({exc})',
    # ged/bootstrap.py
    'no {name!r} adapter is registered (entry point group {ADAPTER_GROUP!r}): install ged with its workers package (pip install -e . from the source tree)': "aucun adaptateur {name!r} n'est enregistré (groupe de points d'entrée {ADAPTER_GROUP!r}) : installez ged avec son paquet de workers (pip install -e . depuis l'arborescence des sources)",
    # ged/cli/acting.py
    'the account {name!r} is disabled': 'le compte {name!r} est désactivé',
    # ged/cli/lifecycle.py
    'no rule is in force for type {document_type!r} in {where}': "aucune règle de conservation n'est en vigueur pour le type de document {document_type!r} dans {where}",
    # ged/config.py
    'configuration file {path} does not exist (named by {CONFIG_ENV} or --config)': "le fichier de configuration {path} n'existe pas (désigné par {CONFIG_ENV} ou --config)",
    'configuration file {path} is not valid TOML: {exc}': "le fichier de configuration {path} n'est pas un fichier TOML valide : {exc}",
    'environment variable {name} is not of the form GED_<SECTION>__<KEY>': "la variable d'environnement {name} n'est pas de la forme GED_<SECTION>__<CLÉ>",
    'oidc.client_secret_file: cannot read it ({exc})': 'oidc.client_secret_file : ce fichier ne peut pas être lu ({exc})',
    'environment variable {name} looks like JSON but is not valid: {exc}': "la variable d'environnement {name} ressemble à du JSON mais n'est pas valide : {exc}",
    # ged/db.py
    'database': 'base de données',
    # ged/mail.py
    'no mailbox is configured: add [[mail.accounts]] tables': 'aucune boîte aux lettres n\'est configurée : ajoutez des tables [[mail.accounts]]',
    'mail account {account.name}: {problem}': 'boîte aux lettres {account.name} : {problem}',
    # ged/mail_settings.py
    '{key}: cannot read it ({exc})': '{key} : impossible de le lire ({exc})',
    # ged/mailbox.py
    'mail server {server}': 'le serveur de messagerie {server}',
    'the SMTP server refused it: {code} {said}': 'le serveur SMTP l\'a refusé : {code} {said}',
    # ged/models/documents.py
    "version {version.number} of document {version.document_id} is immutable ({', '.join(changed)} cannot change); add a new version instead": "la version {version.number} du document {version.document_id} ne peut plus être modifiée ({', '.join(changed)} ne peuvent pas changer) ; ajoutez plutôt une nouvelle version",
    # ged/parsing.py
    '{field} must be a positive whole number, not {value!r}': '{field} doit être un nombre entier positif, et non {value!r}',
    # ged/search_index.py
    'opensearch': 'index de recherche (OpenSearch)',
    # ged/services/mail_intake.py
    'mail account {account.name}: {exc}': 'boîte aux lettres {account.name} : {exc}',
    # ged/services/acl.py
    "a grant's principal is 'user:<name>' or 'group:<name>', not {spec.principal!r}": "le bénéficiaire d'un droit s'écrit « user:<nom> » ou « group:<nom> », et non {spec.principal!r}",
    'this change would take away your own manage permission; keep a manage grant for yourself or one of your groups, or ask an archivist': "cette modification vous retirerait votre propre droit de gestion ; conservez un droit « manage » pour vous-même ou pour l'un de vos groupes, ou adressez-vous à un archiviste",
    'no unit named {unit_name!r}': 'aucun service nommé {unit_name!r}',
    "unknown permission {spec.permission!r}; use one of {', '.join(PERMISSIONS)}": "droit inconnu : {spec.permission!r} ; utilisez l'un des suivants : {', '.join(PERMISSIONS)}",
    'no user named {name!r}': 'aucun utilisateur nommé {name!r}',
    'no group named {name!r}': 'aucun groupe nommé {name!r}',
    # ged/services/bulk.py
    'a bulk job runs with the rights of a user account; start it as one': "un traitement par lot s'exécute avec les droits d'un compte utilisateur ; lancez-le avec un tel compte",
    'send {{"operation": {{...}}, "selection": {{...}}}}': 'envoyez {{"operation": {{...}}, "selection": {{...}}}}',
    'job {job_id} does not exist': "le traitement par lot {job_id} n'existe pas",
    # ged/services/bulk_operations.py
    'inherit must be true or false': 'le champ inherit doit valoir true ou false',
    'tags must be a list of tag names': "le champ tags doit être une liste de noms d'étiquettes",
    'name at least one tag': 'indiquez au moins une étiquette',
    'grants must be a list of {{principal, permission}}, both strings': 'le champ grants doit être une liste de {{principal, permission}}, tous deux des chaînes de caractères',
    'name at least one grant to add': 'indiquez au moins un droit à ajouter',
    '{kind} needs {key}: a name, or null to clear it': "l'opération {kind} demande le champ {key} : un nom, ou null pour le vider",
    "operation must be an object {{\"kind\": ...}}, kind one of {', '.join(PERMISSION_OF)}": "le champ operation doit être un objet {{\"kind\": ...}}, kind valant l'une des valeurs suivantes : {', '.join(PERMISSION_OF)}",
    # ged/services/certificates.py
    'disposal list {list_id} does not exist': "le bordereau d'élimination {list_id} n'existe pas",
    'disposal list {list_id} is {disposal.status}: its certificate is made once it is executed': "le bordereau d'élimination {list_id} est à l'état « {disposal.status} » : son certificat est établi une fois qu'il a été exécuté",
    'disposal list {list_id} still has documents to destroy': "le bordereau d'élimination {list_id} contient encore des documents à détruire",
    # ged/services/classifier.py
    "cannot train yet: {exc} (types are confirmed by agents in the review queue or by editing a document's type)": "l'apprentissage n'est pas encore possible : {exc} (les types de document sont confirmés par les agents dans la file « À vérifier » ou en modifiant le type d'un document)",
    # ged/services/destruction.py
    'disposal list {list_id} is {disposal.status}: only an approved list is executed': "le bordereau d'élimination {list_id} est à l'état « {disposal.status} » : seul un bordereau revêtu du visa est exécuté",
    'on legal hold: kept until the hold is released': "fait l'objet d'un gel : conservé jusqu'à la levée du gel",
    'no longer due: its retention rule or dates changed after the list was approved': "n'est plus échu : sa règle de conservation ou ses dates ont changé après le visa du bordereau",
    'its rule ends in a transfer, and the archives have not accepted it': "sa règle prévoit un versement, et les archives ne l'ont pas accepté",
    'its rule now ends in {rule.final_action!r}, not in destruction': 'sa règle prévoit désormais le sort final {rule.final_action!r}, et non la destruction',
    # ged/services/disposal.py
    "give the list a title, e.g. 'Factures 2014'": 'donnez un titre au bordereau, par exemple « Factures 2014 »',
    'disposal list {list_id} is empty: add documents before submitting it': "le bordereau d'élimination {list_id} est vide : ajoutez-y des documents avant de le soumettre",
    'the audit signing key {uow.settings.audit.key_file} is missing, so the certificate of this list could not be signed: create it with `ged audit keygen` before giving the visa': "la clé de signature du journal d'audit {uow.settings.audit.key_file} est absente : le certificat de ce bordereau n'a donc pas pu être signé ; créez-la avec `ged audit keygen` avant de donner le visa",
    'say why the visa is refused': 'indiquez pourquoi le visa est refusé',
    'a person {verb} a disposal list: act as a user account (ged disposal … --as NAME)': "seule une personne peut agir sur un bordereau d'élimination ({verb}) : agissez en tant que compte utilisateur (ged disposal … --as NOM)",
    'disposal list {list_id} is {disposal.status}: only a draft changes': "le bordereau d'élimination {list_id} est à l'état « {disposal.status} » : seul un brouillon peut être modifié",
    "disposal list {list_id} is {disposal.proposed_by.username}'s draft; only its proposer changes or submits it": "le bordereau d'élimination {list_id} est un brouillon de {disposal.proposed_by.username} ; seul son auteur peut le modifier ou le soumettre",
    'disposal list {list_id} is {disposal.status}: the visa is given on a submitted list': "le bordereau d'élimination {list_id} est à l'état « {disposal.status} » : le visa se donne sur un bordereau soumis",
    'you proposed disposal list {list_id}: another person must give or refuse its visa': "vous avez proposé le bordereau d'élimination {list_id} : une autre personne doit lui donner ou lui refuser son visa",
    'a disposal list holds at most {uow.settings.disposal.max_documents} documents ([disposal] max_documents): split it': "un bordereau d'élimination contient au plus {uow.settings.disposal.max_documents} documents ([disposal] max_documents) : scindez-le",
    'only the "destroy" and "transferred" queues are taken whole; documents to sort are added by id, once the archivist has decided to destroy each': "seules les files « destroy » et « transferred » se prennent en entier ; les documents à trier s'ajoutent par identifiant, une fois que l'archiviste a décidé de détruire chacun d'eux",
    'ids must be a list of document ids': "le champ ids doit être une liste d'identifiants de documents",
    'document {document_id} does not exist': "le document {document_id} n'existe pas",
    'document {document_id} has no retention rule (or its start event is not known yet): it cannot be disposed of': "le document {document_id} n'a pas de règle de conservation (ou son événement de départ n'est pas encore connu) : il ne peut pas être éliminé",
    'document {document_id} is kept until {document.due_date.isoformat()}: it cannot be disposed of before': "le document {document_id} est conservé jusqu'au {document.due_date.isoformat()} : il ne peut pas être éliminé avant cette échéance",
    'document {document_id} is on legal hold: it cannot be disposed of': "le document {document_id} fait l'objet d'un gel : il ne peut pas être éliminé",
    'document {document_id} is already on disposal list {elsewhere[document_id]}': "le document {document_id} figure déjà sur le bordereau d'élimination {elsewhere[document_id]}",
    # ged/services/disposal_queues.py
    "the queues are {', '.join(QUEUE_NAMES)}, not {action!r}": "les files possibles sont : {', '.join(QUEUE_NAMES)}, et non {action!r}",
    # ged/services/document_events.py
    '{name!r} is not an event name: lower case letters, digits and underscores, starting with a letter, at most 64 (e.g. contract_ended)': "{name!r} n'est pas un nom d'événement : lettres minuscules, chiffres et tirets bas, commençant par une lettre, 64 caractères au plus (par exemple contract_ended)",
    # ged/services/document_fields.py
    'the file has no name': "le fichier n'a pas de nom",
    'the file name is not valid UTF-8': "le nom du fichier n'est pas en UTF-8 valide",
    'the file name must not contain / or \\': 'le nom du fichier ne doit contenir ni / ni \\',
    'the file name contains control characters': 'le nom du fichier contient des caractères de contrôle',
    'the file name is longer than {MAX_FILENAME} characters': 'le nom du fichier dépasse {MAX_FILENAME} caractères',
    'the file name is not a name': 'le nom du fichier ne peut pas être « . » ni « .. »',
    'unknown unit {name!r}': 'service inconnu : {name!r}',
    'unknown document type {code!r}': 'type de document inconnu : {code!r}',
    'the title is empty': 'le titre est vide',
    'the title is longer than {MAX_TITLE} characters': 'le titre dépasse {MAX_TITLE} caractères',
    'tag {name[:20]!r}… is longer than {MAX_TAG} characters': "l'étiquette {name[:20]!r}… dépasse {MAX_TAG} caractères",
    'tag {name[:20]!r} holds a character tags may not: {{ }} [ ] < > or a control character': "l'étiquette {name[:20]!r} contient un caractère interdit dans les étiquettes : {{ }} [ ] < > ou un caractère de contrôle",
    # ged/services/documents.py
    'document {document_id} is deleted; restore it with POST /api/v1/documents/{document_id}/restore': 'le document {document_id} est supprimé ; restaurez-le avec POST /api/v1/documents/{document_id}/restore',
    'document {document.id} is already deleted': 'le document {document.id} est déjà supprimé',
    'document {document_id} is not deleted': "le document {document_id} n'est pas supprimé",
    'document {document.id} is deleted; restore it before adding versions': "le document {document.id} est supprimé ; restaurez-le avant d'y ajouter des versions",
    'the file is empty': 'le fichier est vide',
    'a document must keep a title': 'un document doit conserver un titre',
    'you may not move documents into unit {changes.unit!r}': "vous n'avez pas le droit de déplacer des documents dans le service {changes.unit!r}",
    'unknown permission {permission!r}': 'droit inconnu : {permission!r}',
    'unknown group {name!r}': 'groupe inconnu : {name!r}',
    # ged/services/drops.py
    'station account {username!r} is missing, disabled or not a station': "le compte de poste de numérisation {username!r} n'existe pas, est désactivé ou n'est pas un poste de numérisation",
    'the file cannot be opened: {exc.strerror or exc}': 'le fichier ne peut pas être ouvert : {exc.strerror or exc}',
    'the file cannot be read: {exc.strerror or exc}': 'le fichier ne peut pas être lu : {exc.strerror or exc}',
    # ged/services/holds.py
    'document {document_id} cannot be {doing}: it is under legal hold {hold.id} ({hold.reason}); the hold must be released first': "le document {document_id} ne peut pas être traité ainsi ({doing}) : il fait l'objet du gel {hold.id} ({hold.reason}) ; ce gel doit d'abord être levé",
    'ends_on {ends_on.isoformat()} is past: a hold ends today or later': "la date de fin ends_on {ends_on.isoformat()} est passée : un gel se termine aujourd'hui ou plus tard",
    'hold {hold_id} is no longer in force; place a new one': "le gel {hold_id} n'est plus en vigueur ; posez-en un nouveau",
    'hold {hold_id} was already released': 'le gel {hold_id} a déjà été levé',
    'say why (a litigation, an inquiry, a request)': 'indiquez le motif (un contentieux, une enquête, une demande)',
    'the reason is longer than {MAX_REASON} characters': 'le motif dépasse {MAX_REASON} caractères',
    'no document has the id {shown}': "aucun document ne porte l'identifiant {shown}",
    'the search selects no document': 'la recherche ne sélectionne aucun document',
    'legal hold {hold_id} does not exist': "le gel {hold_id} n'existe pas",
    # ged/services/journal_transfer.py
    "the journal of {day} is already on transfer {other.id} ({said}): a day's journal is transferred once (again only if the archives rejected it)": "le journal du {day} figure déjà dans le versement {other.id} ({said}) : le journal d'une journée n'est versé qu'une fois (de nouveau seulement si les archives l'ont rejeté)",
    "the journal of {day} cannot be transferred yet: a day's journal is transferred once the day is over (UTC), from {now.date() + timedelta(days=1)} for today's": "le journal du {day} ne peut pas encore être versé : le journal d'une journée se verse une fois celle-ci terminée (UTC), à partir du {now.date() + timedelta(days=1)} pour celui d'aujourd'hui",
    'no checkpoint of the lifecycle journal was sealed on {day}: nothing was recorded that day, or the checkpoints were not sealed (is a worker running? ged audit seal)': "aucun point de contrôle du journal du cycle de vie n'a été scellé le {day} : rien n'a été enregistré ce jour-là, ou les points de contrôle n'ont pas été scellés (un worker est-il en marche ? ged audit seal)",
    'the journal of {day} is empty: no event was recorded since the checkpoint sealed before it, so there is nothing to transfer': "le journal du {day} est vide : aucun événement n'a été enregistré depuis le point de contrôle scellé avant lui ; il n'y a donc rien à verser",
    '{pending} checkpoint(s) of the journal of {day} still wait for their time-stamp (the TSA has not answered yet): the archives would get it without; propose it once `ged audit verify` reports nothing pending (or run `ged audit stamp`)': "{pending} point(s) de contrôle du journal du {day} attendent encore leur horodatage (l'autorité d'horodatage n'a pas encore répondu) : les archives le recevraient sans ; proposez-le une fois que `ged audit verify` ne signale plus rien en attente (ou lancez `ged audit stamp`)",
    'the lifecycle journal holds no sealed event for {day}': 'le journal du cycle de vie ne contient aucun événement scellé pour le {day}',
    "the audit public key ({audit.key_file}.pub) is missing: the journal's checkpoints could not be verified without it": "la clé publique du journal d'audit ({audit.key_file}.pub) est absente : sans elle, les points de contrôle du journal n'ont pas pu être vérifiés",
    'the journal of {day} does not verify: {verified.detail}': 'la vérification du journal du {day} échoue : {verified.detail}',
    # ged/services/logins.py
    'the current password is wrong': 'le mot de passe actuel est erroné',
    'the new password must have at least {MIN_LENGTH} characters': 'le nouveau mot de passe doit comporter au moins {MIN_LENGTH} caractères',
    'the new password must differ from the current one': "le nouveau mot de passe doit être différent de l'actuel",
    # ged/services/oidc.py
    'the account {user.username!r} is disabled in ged': 'le compte {user.username!r} est désactivé dans ged',
    'the provider sent no usable {settings.username_claim!r} claim to name the account': "le fournisseur d'identité n'a envoyé aucune information {settings.username_claim!r} utilisable pour nommer le compte",
    'a ged account named {wanted.username!r} already exists and is not linked to this provider: an administrator must rename or remove it first': "un compte ged nommé {wanted.username!r} existe déjà et n'est pas lié à ce fournisseur d'identité : un administrateur doit d'abord le renommer ou le supprimer",
    # ged/services/oidc_tokens.py
    'the userinfo endpoint answered about another user than the ID token': "le point d'accès userinfo a répondu pour un autre utilisateur que celui du jeton d'identité",
    'the logout token carries no back-channel logout event': "le jeton de déconnexion ne porte aucun événement de déconnexion",
    'a logout token never carries a nonce': 'un jeton de déconnexion ne porte jamais de nonce',
    'the logout token names neither a session nor a user': 'le jeton de déconnexion ne désigne ni une session ni un utilisateur',
    'the {what} comes from {issuer!r}, not from the provider ged trusts ({provider.issuer})': "le {what} vient de {issuer!r}, et non du fournisseur d'identité auquel ged fait confiance ({provider.issuer})",
    'the {what} has expired': 'le {what} a expiré',
    'the userinfo endpoint did not answer JSON': "le point d'accès userinfo n'a pas répondu en JSON",
    'the {what} is signed with a key the provider does not publish': "le {what} est signé avec une clé que le fournisseur d'identité ne publie pas",
    "the {what}'s signature does not verify ({error})": "la signature du {what} n'est pas valide ({error})",
    'the {what} is not a signed JWT': "le {what} n'est pas un JWT signé",
    # ged/services/pipeline.py
    'internal error during {step}: {exc}': "erreur interne pendant l'étape {step} : {exc}",
    # ged/services/pipeline_steps.py
    'files of type {version.mime_type} are stored but not read': 'les fichiers de type {version.mime_type} sont conservés mais pas lus',
    # ged/services/profile.py
    'this caller has no account of its own': "l'appelant n'a pas de compte qui lui soit propre",
    # ged/services/renditions.py
    "version {version.number} of document {document_id} has no {kind} rendition: only scans (images, and PDFs whose pages were OCR'd) get one; download the original without ?rendition=": "la version {version.number} du document {document_id} n'a pas de rendu {kind} : seuls les scans (images, et PDF dont les pages ont été lues par OCR) en ont un ; téléchargez l'original sans ?rendition=",
    'version {version.number} of document {document_id} is still being processed; its {kind} rendition, if it gets one, comes when it is done': "la version {version.number} du document {document_id} est encore en cours de traitement ; son rendu {kind}, s'il en a un, sera disponible à la fin du traitement",
    # ged/services/retention.py
    'rule {existing.id} is already in force for {_scope(existing)}; edit or remove it instead': 'la règle {existing.id} est déjà en vigueur pour {_scope(existing)} ; modifiez-la ou supprimez-la plutôt',
    'a rule has no field {sorted(unknown)[0]!r}': "une règle n'a pas de champ {sorted(unknown)[0]!r}",
    "start_event must be one of {', '.join(START_EVENTS)}": "le champ start_event doit être l'une des valeurs suivantes : {', '.join(START_EVENTS)}",
    "final_action must be one of {', '.join(FINAL_ACTIONS)}": "le champ final_action doit être l'une des valeurs suivantes : {', '.join(FINAL_ACTIONS)}",
    'the reference is longer than {MAX_REFERENCE} characters': 'la référence dépasse {MAX_REFERENCE} caractères',
    'a rule is for a document type: name its code': 'une règle porte sur un type de document : indiquez son code',
    'retention rule {rule_id} does not exist': "la règle de conservation {rule_id} n'existe pas",
    'rule {rule.id} (version {rule.version}) is no longer in force for {_scope(rule)}: {now}; read it again': "la règle {rule.id} (version {rule.version}) n'est plus en vigueur pour {_scope(rule)} : {now} ; relisez-la",
    '{name} must be a whole number from 0 to {bound}': '{name} doit être un nombre entier de 0 à {bound}',
    'a rule counted from an event names it (event_name, e.g. contract_ended)': "une règle comptée à partir d'un événement doit le nommer (event_name, par exemple contract_ended)",
    'event_name applies only to a rule whose start_event is "event"': "event_name ne s'applique qu'à une règle dont le start_event vaut « event »",
    # ged/services/revisions.py
    'If-Match takes the ETag a GET of the document answered, such as "3", or *; not {value[:40]!r}': "If-Match prend l'ETag renvoyé par un GET du document, par exemple \"3\", ou * ; et non {value[:40]!r}",
    # ged/services/second_factor.py
    'this account already has a second factor; an administrator can reset it (a lost phone), after which it is set up again': 'ce compte a déjà un second facteur ; un administrateur peut le réinitialiser (téléphone perdu), après quoi il se configure de nouveau',
    'the command line has no second factor of its own': "la ligne de commande n'a pas de second facteur qui lui soit propre",
    'this account has no second factor: set it up first': "ce compte n'a pas de second facteur : configurez-le d'abord",
    'enter the current 6-digit code of your authenticator application': "saisissez le code à 6 chiffres qu'affiche actuellement votre application d'authentification",
    'no user named {username!r}': 'aucun utilisateur nommé {username!r}',
    'you may not reset your own second factor: ask another administrator, or run `ged user reset-second-factor` on the server': 'vous ne pouvez pas réinitialiser votre propre second facteur : demandez-le à un autre administrateur, ou lancez `ged user reset-second-factor` sur le serveur',
    'no user with id {user_id}': "aucun utilisateur n'a l'identifiant {user_id}",
    'this account already has a second factor': 'ce compte a déjà un second facteur',
    'only accounts that log in with a password have a second factor here; single sign-on leaves it to the identity provider': "seuls les comptes qui se connectent par mot de passe ont ici un second facteur ; avec l'authentification unique, il relève du fournisseur d'identité",
    "this code does not match: enter the 6-digit code the application shows now (check that the phone's clock is right)": "ce code ne correspond pas : saisissez le code à 6 chiffres que l'application affiche maintenant (vérifiez que l'horloge du téléphone est à l'heure)",
    'the enrolment expired or was altered: start it again': "l'activation a expiré ou a été altérée : recommencez-la",
    # ged/services/selection.py
    'a search selection has q and sort as text and filters as an object, as GET /api/v1/search takes them': "une sélection par recherche contient q et sort sous forme de texte et filters sous forme d'objet, tels que GET /api/v1/search les reçoit",
    'select at least one document': 'sélectionnez au moins un document',
    '{len(ids)} documents are selected; a bulk change takes at most {bound} ([api] bulk_max_documents): split the selection': '{len(ids)} documents sont sélectionnés ; une modification par lot en accepte au plus {bound} ([api] bulk_max_documents) : scindez la sélection',
    # ged/services/sessions.py
    'no session with id {session_id}': "aucune session n'a l'identifiant {session_id}",
    # ged/services/tokens.py
    'a token needs a label of 1 to 200 characters': 'un jeton doit avoir un libellé de 1 à 200 caractères',
    "unknown token scope {scope!r}; choose one of {', '.join(TOKEN_SCOPES)}": "portée de jeton inconnue : {scope!r} ; choisissez l'une des suivantes : {', '.join(TOKEN_SCOPES)}",
    'no token with id {token_id}': "aucun jeton n'a l'identifiant {token_id}",
    'expires_at must be in the future, not {expires_at:%Y-%m-%d %H:%M} UTC': 'expires_at doit être dans le futur, et non le {expires_at:%Y-%m-%d %H:%M} UTC',
    # ged/services/transfer_build.py
    'a file of the transfer is missing from the blob store ({exc}): run ged fsck': 'un fichier du versement est absent du stockage des fichiers ({exc}) : lancez ged fsck',
    'the package could not be written: {exc}': "le paquet n'a pas pu être écrit : {exc}",
    "the package failed ged's pre-flight check: {'; '.join(problems)}": "le paquet n'a pas passé le contrôle préalable de ged : {'; '.join(problems)}",
    # ged/services/transfer_replies.py
    "transfer {transfer.id} failed ({transfer.error or 'its package was not built'}): no package was sent, so there is no reply to record": "le versement {transfer.id} a échoué ({transfer.error or 'its package was not built'}) : aucun paquet n'a été envoyé, il n'y a donc aucune réponse à enregistrer",
    "the reply is {len(xml)} bytes; an archives' reply is an XML message of at most {MAX_REPLY_BYTES // (1024 * 1024)} MB: is this the right file?": 'la réponse fait {len(xml)} octets ; une réponse des archives est un message XML de {MAX_REPLY_BYTES // (1024 * 1024)} Mo au plus : est-ce le bon fichier ?',
    'transfer {transfer_id} does not exist': "le versement {transfer_id} n'existe pas",
    'the reply has no ReplyCode, so it says neither that the archives accepted the transfer nor that they rejected it: ask them for their reply with its code': "la réponse ne contient pas de ReplyCode : elle ne dit donc ni que les archives ont accepté le versement, ni qu'elles l'ont rejeté ; demandez-leur leur réponse avec son code",
    'no transfer was sent as message {named!r}: this {_name(message)} answers a message ged did not send (check MessageRequestIdentifier)': "aucun versement n'a été envoyé sous le message {named!r} : ce message ({_name(message)}) répond à un message que ged n'a pas envoyé (vérifiez MessageRequestIdentifier)",
    "transfer {transfer.id} was already {transfer.status} by the archives' reply {transfer.reply_message_identifier!r}: a transfer is decided once": "le versement {transfer.id} a déjà été tranché (« {transfer.status} ») par la réponse des archives {transfer.reply_message_identifier!r} : un versement n'est tranché qu'une fois",
    "transfer {transfer.id}'s package is still being built: it cannot have been answered yet": 'le paquet du versement {transfer.id} est encore en préparation : il ne peut pas encore avoir reçu de réponse',
    'transfer {transfer.id} is {transfer.status}: no package was sent, so there is nothing to acknowledge': "le versement {transfer.id} est à l'état « {transfer.status} » : aucun paquet n'a été envoyé, il n'y a donc rien dont accuser réception",
    "this {_name(message)} answers message {named!r}, which is {f'transfer {found.id}' if found else 'no transfer of ged'}, not transfer {transfer_id}: record it for the transfer it answers": "ce message ({_name(message)}) répond au message {named!r}, qui correspond à {f'transfer {found.id}' if found else 'no transfer of ged'}, et non au versement {transfer_id} : enregistrez-le pour le versement auquel il répond",
    # ged/services/transfers.py
    "give the transfer a title, e.g. 'Délibérations 2004-2010'": 'donnez un titre au versement, par exemple « Délibérations 2004-2010 »',
    'versions is "current" or "all"': 'le champ versions vaut « current » ou « all »',
    'a person proposes a transfer: act as a user account (ged archives … --as NAME)': 'seule une personne peut proposer un versement : agissez en tant que compte utilisateur (ged archives … --as NOM)',
    'the package of transfer {transfer_id} is still being built{progress}: try again once its status is ready': "le paquet du versement {transfer_id} est encore en préparation{progress} : réessayez une fois qu'il sera prêt",
    'the package of transfer {transfer_id} could not be built: {transfer.error} — propose the transfer again once this is fixed': "le paquet du versement {transfer_id} n'a pas pu être construit : {transfer.error} — proposez de nouveau le versement une fois ce problème corrigé",
    'the package file of transfer {transfer_id} is missing from {uow.settings.archives.packages_dir}: it was moved or deleted': 'le fichier du paquet du versement {transfer_id} est absent de {uow.settings.archives.packages_dir} : il a été déplacé ou supprimé',
    'no document of the "à verser" queue may be transferred now (due, not on hold, on no other open transfer)': "aucun document de la file « À verser » ne peut être versé maintenant (il faut que son échéance soit atteinte, qu'il ne soit pas gelé et qu'il ne figure dans aucun autre versement en cours)",
    '{len(refused)} of the documents may not be transferred: {listed}. Remove them from the selection': '{len(refused)} des documents ne peuvent pas être versés : {listed}. Retirez-les de la sélection',
    '[archives.{name}] identifier is not set: the archives identify packages by it; set it in the configuration (a SIAF code or a SIRET) and restart': "le paramètre identifier de [archives.{name}] n'est pas renseigné : les archives identifient les paquets grâce à lui ; indiquez-le dans la configuration (un code SIAF ou un SIRET) et redémarrez",
    'a transfer takes the "transfer" queue (à verser), not {selection[\'queue\']!r}': "un versement se fait depuis la file « transfer » (À verser), et non {selection['queue']!r}",
    # ged/services/users.py
    'the user name must be 1 to 150 characters without spaces': "le nom d'utilisateur doit comporter de 1 à 150 caractères, sans espace",
    'a password is required for the role {role}: only stations go without': "un mot de passe est obligatoire pour le rôle {role} : seuls les postes de numérisation s'en passent",
    'the password must have at least {MIN_LENGTH} characters': 'le mot de passe doit comporter au moins {MIN_LENGTH} caractères',
    'a user named {username!r} already exists': 'un utilisateur nommé {username!r} existe déjà',
    'you may not disable your own account or change your own role; ask another administrator': 'vous ne pouvez pas désactiver votre propre compte ni changer votre propre rôle ; adressez-vous à un autre administrateur',
    'a {kind} name must have 1 to {limit} characters': '{kind} : le nom doit comporter de 1 à {limit} caractères',
    'a {kind} named {name!r} already exists': '{kind} : le nom {name!r} existe déjà',
    "unknown role {role!r}; choose one of {', '.join(ROLES)}": "rôle inconnu : {role!r} ; choisissez l'un des suivants : {', '.join(ROLES)}",
    "unknown group(s): {', '.join(sorted(unknown))}; create them first": "groupe(s) inconnu(s) : {', '.join(sorted(unknown))} ; créez-les d'abord",
    # ged/services/webhooks.py
    'webhook {webhook_id} has no delivery {delivery_id}': "le webhook {webhook_id} n'a pas d'envoi {delivery_id}",
    'webhook {webhook_id} is deactivated and is sent nothing; register its URL again to receive new events': 'le webhook {webhook_id} est désactivé et ne reçoit plus rien ; enregistrez de nouveau son URL pour recevoir les nouveaux événements',
    'delivery {delivery_id} is {delivery.status}: only a failed delivery can be retried': "l'envoi {delivery_id} est à l'état « {delivery.status} » : seul un envoi en échec peut être relancé",
    'url is required: the http:// or https:// address deliveries are sent to, {example}': "le champ url est obligatoire : l'adresse http:// ou https:// à laquelle les notifications sont envoyées, {example}",
    'url is longer than {MAX_URL_LENGTH} characters': 'le champ url dépasse {MAX_URL_LENGTH} caractères',
    'url must not contain spaces or control characters': 'le champ url ne doit contenir ni espaces ni caractères de contrôle',
    'url must be an absolute http:// or https:// URL, {example}, not {url!r}': 'le champ url doit être une URL absolue en http:// ou https://, {example}, et non {url!r}',
    'url must not carry a user name or password: receivers check the X-Ged-Signature header instead': "le champ url ne doit comporter ni nom d'utilisateur ni mot de passe : les destinataires vérifient plutôt l'en-tête X-Ged-Signature",
    'url must not end with a #fragment: it is never sent': "le champ url ne doit pas se terminer par un #fragment : celui-ci n'est jamais transmis",
    'events must be a non-empty list among {known}': 'le champ events doit être une liste non vide de valeurs choisies parmi {known}',
    'events holds unknown event(s) {named}: choose among {known}': 'le champ events contient des événements inconnus, {named} : choisissez parmi {known}',
    'description must be text of at most {MAX_DESCRIPTION_LENGTH} characters': 'le champ description doit être un texte de {MAX_DESCRIPTION_LENGTH} caractères au plus',
    'no webhook with id {webhook_id}': "aucun webhook n'a l'identifiant {webhook_id}",
    'status must be one of {known}, not {status!r}': "le paramètre status doit être l'une des valeurs suivantes : {known}, et non {status!r}",
    'url has an invalid port: {url!r}': "l'URL a un port non valide : {url!r}",
    # ged/storage/local.py
    'blob store': 'stockage des fichiers',
    # ged/watcher.py
    'no watched folder is configured: add [[watch.folders]] tables (or an [archives] reply_folder)': "aucun dossier surveillé n'est configuré : ajoutez des tables [[watch.folders]] (ou un reply_folder dans [archives])",
    # ged/web/oidc_client.py
    "the discovery document names the issuer {metadata.get('issuer')!r}, not {config.issuer!r}": "le document de découverte nomme l'émetteur {metadata.get('issuer')!r}, et non {config.issuer!r}",
    'this answer of the provider was already used, or answers no login started here': "cette réponse du fournisseur d'identité a déjà servi, ou ne répond à aucune connexion commencée ici",
    "the answer comes from {args['iss']!r}": "la réponse vient de {args['iss']!r}",
    "the provider's answer holds no ID token": "la réponse du fournisseur d'identité ne contient aucun jeton d'identité",
    "the provider's discovery document could not be read ({error})": "le document de découverte du fournisseur d'identité n'a pas pu être lu ({error})",
    'the login could not be started ({error})': "la connexion n'a pas pu commencer ({error})",
    'the provider gave no token ({error})': "le fournisseur d'identité n'a donné aucun jeton ({error})",
    "the provider's keys could not be read ({error})": "les clés du fournisseur d'identité n'ont pas pu être lues ({error})",
    'userinfo could not be read ({error})': "userinfo n'a pas pu être lu ({error})",
    # ged/web/requests.py
    'nothing has the number {value[:40]}: numbers go up to {MAX_ID}': "rien ne porte le numéro {value[:40]} : les numéros vont jusqu'à {MAX_ID}",
    # ged/web/ui/document_page.py
    'no preview for {version.mime_type}': "pas d'aperçu pour {version.mime_type}",
    # workers/counters.py
    'redis': 'Redis',
    # ged/services/notes.py
    'note {note_id} was written by {note.author.username}: only its author may edit it; answer it instead (reply_to_id)': "l'avis {note_id} a été écrit par {note.author.username} : seul son auteur peut le modifier ; répondez-y plutôt (reply_to_id)",
    'document {document_id} is deleted; restore it before adding notes': 'le document {document_id} est supprimé ; restaurez-le avant de lui ajouter des avis',
    'a note needs some text': 'un avis doit contenir du texte',
    'a note is at most {MAX_BODY} characters long': 'un avis compte au plus {MAX_BODY} caractères',
    # ged/services/saved_searches.py
    'saved search {saved_id} does not exist': "la recherche enregistrée {saved_id} n'existe pas",
    "saved search {saved_id} is {saved.owner.username}'s, shared with your group: only its owner renames, shares or deletes it; save a copy of your own instead": "la recherche enregistrée {saved_id} appartient à {saved.owner.username} et est partagée avec votre groupe : seul son propriétaire la renomme, la partage ou la supprime ; enregistrez-en plutôt votre propre copie",
    'saved searches belong to an account; the command line has none': "les recherches enregistrées appartiennent à un compte ; la ligne de commande n'en a pas",
    'give the search a name': 'donnez un nom à la recherche',
    'a name is at most {MAX_NAME} characters long': 'un nom compte au plus {MAX_NAME} caractères',
    'you are not a member of a group named {name.strip()!r}: a search is shared only with a group one belongs to': "vous n'êtes pas membre d'un groupe nommé {name.strip()!r} : une recherche ne se partage qu'avec un groupe dont on est membre",
    "sort must be one of {', '.join(SORTS)}": "le paramètre sort doit valoir l'une de ces valeurs : {', '.join(SORTS)}",
    'a saved search must keep a name': 'une recherche enregistrée doit garder un nom',
    'you already have a saved search named {name!r}; choose another name, or change that one{which}': 'vous avez déjà une recherche enregistrée nommée {name!r} ; choisissez un autre nom, ou modifiez celle-ci{which}',
    # thumbnails and page images (ged.services.thumbnails)
    'version {version.number} of document {document_id} has no {kind} rendition: it could not be made, or the version was read before they were (`ged thumbnails` makes those missing)': "la version {version.number} du document {document_id} n'a pas de rendu {kind} : il n'a pas pu être fait, ou la version a été lue avant qu'ils existent (`ged thumbnails` fait ceux qui manquent)",
    'document {document_id} has no thumbnail yet': "le document {document_id} n'a pas encore de vignette",
    'document {document_id} is a {version.mime_type}: it has no page images': "le document {document_id} est de type {version.mime_type} : il n'a pas d'images de pages",
    'document {document_id} has {version.page_count or 0} page(s), not a page {number}': "le document {document_id} compte {version.page_count or 0} page(s), pas de page {number}",
    'page {picture.page.number} of this document cannot be pictured': "la page {picture.page.number} de ce document ne peut pas être affichée en image",
}
# fmt: on
